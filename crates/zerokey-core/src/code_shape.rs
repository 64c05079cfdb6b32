//! What a value in code is: the post-match check of the generic rules.
//!
//! A generic rule (`password = …`, `token: …`) finds a secret-sounding name and the value after
//! it. In real code that value is usually not a literal at all: an identifier
//! (`child_token`, `ERROR_WRONG_PASSWORD`), a call or member access (`token1.child_token()`,
//! `modadvapi32.NewProc(…)`), a number (`1304u32`), a comparison, a URL or path, an ARN in a
//! comment, or JSON-escaped bytes. [`not_a_secret`] looks at the value and the line around it
//! and says which of those it is; a quoted literal or a config value with the shape of a random
//! credential passes.
//!
//! Letters-only values are judged by how they read: words and identifiers (`OpenProcessToken`,
//! `my-app-tls-secret`) are dropped, while a mixed-case string whose letter pairs are rare in
//! words (`hKqZmWtRbXvLpNsD`) is what a password generator makes, and passes.

/// Why the generic match at `hay[start..end]` is not a secret, or `None` if it may be one.
pub fn not_a_secret(hay: &[u8], start: usize, end: usize) -> Option<&'static str> {
    let line_start = hay[..start]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line_end = hay[end..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(hay.len(), |i| end + i);
    let before = &hay[line_start..start];
    let after = &hay[end..line_end];
    let ctx = Context::new(before, after);
    // `a=x&b=y` or `a=x\u0026b=y`: the value ends where the next query parameter starts.
    let (value, in_query) = match query_value(&hay[start..end]) {
        Some(v) => (v, true),
        None => (&hay[start..end], false),
    };
    if in_query && (value.len() < 8 || is_hex(value)) {
        return Some("a query parameter that is empty, short or a digest");
    }
    if let Some(r) = value_reason(value) {
        return Some(r);
    }
    if is_pagination_name(ctx.name) {
        return Some("a pagination cursor, not a credential");
    }
    if part_of_arn(before) {
        return Some("part of an ARN");
    }
    if ctx.comparison || value.first() == Some(&b'=') {
        return Some("a comparison, not an assignment");
    }
    if !ctx.quoted {
        if let Some(&next) = after.first() {
            if next == b'(' {
                return Some("a call");
            }
            if matches!(next, b'[' | b'<')
                || (next == b'.' && after.get(1).is_some_and(u8::is_ascii_alphabetic))
            {
                return Some("a member access, index or generic type");
            }
        }
        if ctx.code && is_identifier_path(strip_unary(value)) {
            return Some("an identifier in code");
        }
        let rest = trim_start(after);
        if after.first() == Some(&b' ') && rest.first() == Some(&b'=') && !rest.starts_with(b"==") {
            return Some("a type annotation");
        }
    } else if ctx.opened && !ctx.closed && after.first().is_some_and(|b| *b == b' ' || *b == b'\t')
    {
        return Some("a phrase in a string, not a credential");
    }
    if words_not_random(value) {
        return Some("words or an identifier");
    }
    if base64_of_text(value) {
        return Some("base64 of plain words");
    }
    None
}

/// `+x`, `-x`, `!x`, `&x`, `*x`: an operator applied to what follows.
fn strip_unary(v: &[u8]) -> &[u8] {
    // Perl's `\&name` takes a reference to a sub.
    let v = v.strip_prefix(b"\\").unwrap_or(v);
    match v.first() {
        Some(b'+' | b'-' | b'!' | b'&' | b'*' | b'~') => &v[1..],
        _ => v,
    }
}

/// The value of a query parameter inside a longer match: `tok&next=1` -> `tok`.
fn query_value(v: &[u8]) -> Option<&[u8]> {
    let mut i = 0;
    while i < v.len() {
        let skip = if v[i] == b'&' {
            1
        } else if v[i..].starts_with(br"\u0026") {
            6
        } else {
            i += 1;
            continue;
        };
        let rest = &v[i + skip..];
        let name = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            .count();
        if name > 0 && rest.get(name) == Some(&b'=') {
            return Some(&v[..i]);
        }
        i += skip;
    }
    None
}

fn is_hex(v: &[u8]) -> bool {
    v.len() >= 32 && v.iter().all(u8::is_ascii_hexdigit)
}

/// Names of pagination cursors (`nextPageToken`, `NextToken`, `continuation_token`): opaque
/// positions in a listing, not credentials.
fn is_pagination_name(name: &[u8]) -> bool {
    let lower: Vec<u8> = name
        .iter()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(u8::to_ascii_lowercase)
        .collect();
    [
        &b"pagetoken"[..],
        b"nexttoken",
        b"continuationtoken",
        b"synctoken",
        b"resumetoken",
        b"cursortoken",
        b"paginationtoken",
        b"starttoken",
    ]
    .iter()
    .any(|s| lower.ends_with(s))
}

/// The text just before the value, back to a blank or quote, is an ARN
/// (`arn:aws:secretsmanager:…:secret:Name-AbCdEf`).
fn part_of_arn(before: &[u8]) -> bool {
    let from = before
        .iter()
        .rposition(|b| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'`' | b'='))
        .map_or(0, |i| i + 1);
    before[from..].starts_with(b"arn:")
}

/// What the line around a value says about it.
struct Context<'a> {
    /// The value is in a string literal (opened by a quote just before it, or earlier on the
    /// line).
    quoted: bool,
    /// A quote opens the literal right before the value.
    opened: bool,
    /// The literal is closed right after the value.
    closed: bool,
    /// The value is compared (`==`, `!=`, `<=`, `>=`), not assigned.
    comparison: bool,
    /// The line is code rather than a config entry: a declaration keyword, `:=`, `=>`, or a
    /// value followed by `;`, `,`, `)` or an operator.
    code: bool,
    /// The name the value is given to (`password` in `db.password = …`).
    name: &'a [u8],
}

impl<'a> Context<'a> {
    fn new(before: &'a [u8], after: &[u8]) -> Self {
        let quote = before
            .last()
            .copied()
            .filter(|b| matches!(b, b'"' | b'\'' | b'`'));
        // A quote that closes a string (`"PWD="+dir`) does not open the value: count them.
        let quote = quote.filter(|&q| {
            before[..before.len() - 1]
                .iter()
                .filter(|&&b| b == q)
                .count()
                % 2
                == 0
        });
        let closed = quote.is_some_and(|q| after.first() == Some(&q));
        // Inside a string that opened earlier on the line (`"Server=db;Password=…;"`): text,
        // not code, whatever follows.
        let in_string = quote.is_none()
            && (before.iter().filter(|&&b| b == b'"').count() % 2 == 1
                || (!is_code_comment(trim_start(before))
                    && before.iter().filter(|&&b| b == b'\'').count() % 2 == 1));
        // The operator before the value: skip the opening quote, a call name `f(`, blanks.
        let mut i = before.len() - usize::from(quote.is_some());
        if i > 0 && before[i - 1] == b'(' {
            i -= 1;
            while i > 0 && before[i - 1].is_ascii_alphanumeric() {
                i -= 1;
            }
        }
        while i > 0 && matches!(before[i - 1], b' ' | b'\t') {
            i -= 1;
        }
        let op_end = i;
        while i > 0 && matches!(before[i - 1], b'=' | b'!' | b'<' | b'>' | b':' | b',') {
            i -= 1;
        }
        let op = &before[i..op_end];
        let comparison = matches!(op, b"==" | b"===" | b"!=" | b"!==" | b"<=" | b">=");
        while i > 0 && matches!(before[i - 1], b' ' | b'\t' | b'"' | b'\'' | b'`' | b']') {
            i -= 1;
        }
        let name_end = i;
        while i > 0
            && (before[i - 1].is_ascii_alphanumeric()
                || matches!(before[i - 1], b'_' | b'-' | b'.'))
        {
            i -= 1;
        }
        let name = &before[i..name_end];
        let trimmed = trim_start(before);
        const DECLARATIONS: &[&[u8]] = &[
            b"let ",
            b"const ",
            b"var ",
            b"val ",
            b"static ",
            b"pub ",
            b"final ",
            b"private ",
            b"public ",
            b"protected ",
            b"auto ",
            b"my ",
            b"local ",
            b"if ",
            b"if(",
            b"while ",
            b"return ",
            b"else ",
            b"elif ",
            b"for ",
            b"case ",
            b"func ",
            b"fn ",
            b"def ",
            b"} else",
        ];
        let declared = DECLARATIONS.iter().any(|d| trimmed.starts_with(d));
        let rest = trim_start(after.strip_prefix(&[quote.unwrap_or(0)]).unwrap_or(after));
        let followed = matches!(
            rest.first(),
            Some(b';' | b',' | b')' | b'+' | b'-' | b'*' | b'/' | b'%' | b'&' | b'|' | b'^' | b'?')
        ) && !rest.starts_with(b"//")
            && !rest.starts_with(b"--");
        let code = declared || matches!(op, b":=" | b"=>") || followed || is_code_comment(trimmed);
        Context {
            quoted: quote.is_some() || in_string,
            opened: quote.is_some(),
            closed,
            comparison,
            code,
            name,
        }
    }
}

/// A line that is a comment in a programming language (`//`, `/*`, ` * `): what follows a name
/// there is prose or code, not a config value.
fn is_code_comment(line: &[u8]) -> bool {
    line.starts_with(b"//") || line.starts_with(b"/*") || line.starts_with(b"* ")
}

fn trim_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &s[n..]
}

/// Reasons that depend on the value alone.
fn value_reason(v: &[u8]) -> Option<&'static str> {
    if is_number(v) {
        return Some("a number");
    }
    if memchr::memmem::find(v, b"://").is_some() || v.starts_with(b"mailto:") {
        return Some("a URL");
    }
    if v.starts_with(b"arn:") {
        return Some("an ARN");
    }
    if is_path(v) {
        return Some("a file path");
    }
    if is_escaped_bytes(v) {
        return Some("escaped bytes");
    }
    if is_code_path(v) {
        return Some("a path in code (`a::b`)");
    }
    None
}

/// `super::super::Win32::Foundation::`, `:from_pem` (the rest of `Key::from_pem`): a Rust or
/// C++ path. Credentials do not contain `::` between identifiers.
pub fn is_code_path(v: &[u8]) -> bool {
    if v.first() == Some(&b':')
        && v.get(1)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
    {
        return is_identifier_path(&v[1..]);
    }
    memchr::memmem::find(v, b"::").is_some()
        && v.split(|&b| b == b':')
            .all(|p| p.is_empty() || is_identifier_path(p))
}

/// A numeric literal: decimal, hex, octal, binary, float, with an optional type suffix
/// (`1304u32`, `0x1F`, `3.5e10`, `10UL`).
pub fn is_number(v: &[u8]) -> bool {
    let v = v
        .strip_prefix(b"-")
        .or_else(|| v.strip_prefix(b"+"))
        .unwrap_or(v);
    let lower = v.to_ascii_lowercase();
    let body: &[u8] = if let Some(hex) = lower.strip_prefix(b"0x") {
        let n = hex
            .iter()
            .take_while(|b| b.is_ascii_hexdigit() || **b == b'_')
            .count();
        if n == 0 {
            return false;
        }
        return is_int_suffix(&hex[n..]);
    } else {
        &lower
    };
    let n = body
        .iter()
        .take_while(|b| b.is_ascii_digit() || matches!(b, b'_' | b'.'))
        .count();
    if n == 0 || !body[0].is_ascii_digit() {
        return false;
    }
    let mut rest = &body[n..];
    if let Some(exp) = rest.strip_prefix(b"e") {
        let exp = exp
            .strip_prefix(b"-")
            .or_else(|| exp.strip_prefix(b"+"))
            .unwrap_or(exp);
        let d = exp.iter().take_while(|b| b.is_ascii_digit()).count();
        if d == 0 {
            return false;
        }
        rest = &exp[d..];
    }
    is_int_suffix(rest) || matches!(rest, b"f" | b"d" | b"f32" | b"f64")
}

fn is_int_suffix(s: &[u8]) -> bool {
    let s = s.strip_prefix(b"_").unwrap_or(s);
    matches!(
        s,
        b"" | b"u"
            | b"l"
            | b"ul"
            | b"ll"
            | b"ull"
            | b"lu"
            | b"n"
            | b"u8"
            | b"u16"
            | b"u32"
            | b"u64"
            | b"u128"
            | b"usize"
            | b"i8"
            | b"i16"
            | b"i32"
            | b"i64"
            | b"i128"
            | b"isize"
    )
}

/// A file path: `./x`, `../x`, `~/x`, or `/a/b`, `a/b/c.txt` whose parts are all words or
/// identifiers (a base64 key also contains `/`, but its parts are random).
pub fn is_path(v: &[u8]) -> bool {
    // `@/etc/file`, `</etc/file`: "read the value from this file" (curl, httpie).
    let v = match v {
        [b'@' | b'<', rest @ ..] if rest.first() == Some(&b'/') || rest.starts_with(b"./") => rest,
        _ => v,
    };
    // `/$dir/file`, `~/${name}`: a path built from a variable.
    if v.starts_with(b"/$") || v.starts_with(b"~/$") {
        return true;
    }
    if v.starts_with(b"./") || v.starts_with(b"../") || v.starts_with(b"~/") {
        return true;
    }
    let sep = if v.contains(&b'/') {
        b'/'
    } else if v.contains(&b'\\') && !v.contains(&b'"') {
        b'\\'
    } else {
        return false;
    };
    let parts: Vec<&[u8]> = v.split(|&b| b == sep).filter(|p| !p.is_empty()).collect();
    (parts.len() >= 2 || (v.first() == Some(&sep) && parts.len() == 1))
        && parts.iter().all(|p| {
            p.iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
                && (is_wordy(p) || p.iter().all(u8::is_ascii_digit))
        })
}

/// Mostly escapes (`\u0000\u001f`, `\x9c\x01`, `%23%40`): bytes written out, as in recorded
/// HTTP replays, generated tables or URL-encoded test values.
pub fn is_escaped_bytes(v: &[u8]) -> bool {
    let mut escapes = 0;
    let mut covered = 0;
    for w in v.windows(3) {
        let width = match w {
            [b'\\', b'u', _] => 6,
            [b'\\', b'x' | b'0'..=b'7', _] => 4,
            [b'%', a, b] if a.is_ascii_hexdigit() && b.is_ascii_hexdigit() => 3,
            _ => continue,
        };
        escapes += 1;
        covered += width;
    }
    escapes >= 2 && covered * 2 >= v.len()
}

/// `name`, `a.b.c`, `a::b`, `a->b`: a reference to something in code.
pub fn is_identifier_path(v: &[u8]) -> bool {
    let mut parts = 0;
    let mut i = 0;
    while i <= v.len() {
        let start = i;
        while i < v.len() && (v[i].is_ascii_alphanumeric() || v[i] == b'_' || v[i] == b'$') {
            i += 1;
        }
        if i == start || v[start].is_ascii_digit() {
            return false;
        }
        parts += 1;
        if i == v.len() {
            return parts > 0;
        }
        let sep = if v[i..].starts_with(b"::") || v[i..].starts_with(b"->") {
            2
        } else if v[i] == b'.' {
            1
        } else {
            return false;
        };
        i += sep;
    }
    false
}

/// True for words, identifiers and lists of them (`ERROR_WRONG_PASSWORD`, `token1.child_token`,
/// `kube-system/webhook-ca`, `OpenProcessToken`): every piece reads as words, digits are few and
/// sit at the end of pieces. Mixed-case letters in rare pairs (`hKqZmWtRbX`) are not words.
pub fn words_not_random(v: &[u8]) -> bool {
    if !v.iter().all(u8::is_ascii_graphic) {
        return false;
    }
    // Letters and separators only (the old `not-word` shape): words unless it reads as random.
    let simple = v
        .iter()
        .all(|b| b.is_ascii_alphabetic() || matches!(b, b'_' | b'-' | b'.' | b'/' | b':'));
    if simple {
        return !looks_random_letters(v);
    }
    is_wordy(v)
}

/// Base64 (standard alphabet, padded to a multiple of 4) of text made of words and blanks
/// (`YSBzZWNyZXQ=` is `a secret`) or of printable words (`user:secret`): a label or a test
/// fixture, not key material. Base64 of a random password (`c3VwM3JTM2NyM3Q=`) is kept.
pub fn base64_of_text(v: &[u8]) -> bool {
    use base64::Engine as _;
    if !v.len().is_multiple_of(4) || v.len() < 8 {
        return false;
    }
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(v) else {
        return false;
    };
    if raw.contains(&b' ') {
        return raw.iter().all(|b| {
            b.is_ascii_alphabetic() || matches!(b, b' ' | b'-' | b'_' | b'.' | b',' | b':')
        });
    }
    // `joe:secret`, `admin-password`: printable words, as in test fixtures.
    raw.iter().all(u8::is_ascii_graphic) && words_not_random(&raw)
}

/// A long name built from words (`PropertyNameParseIndicConjunctBreakV1`,
/// `ERROR_DS_SAM_NEED_BOOTKEY_PASSWORD`): at least 16 characters of letters, digits and `_`,
/// three or more word pieces averaging three letters or more, and [`is_wordy`]. Random keys
/// of that length break into short pieces with rare letter pairs, so this holds for no rule's
/// secret; the global filters drop such candidates whatever the rule.
pub fn is_word_identifier(v: &[u8]) -> bool {
    if v.len() < 16 || !v.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_') {
        return false;
    }
    let spans = pieces(v);
    let letter_pieces: Vec<usize> = spans
        .iter()
        .filter(|r| v[r.start].is_ascii_alphabetic())
        .map(|r| r.len())
        .collect();
    let letters: usize = letter_pieces.iter().sum();
    // Digits and one-letter pieces only as a suffix (`…V1`, `…DirectoryW`): a human password
    // built on a word (`Tundra42_…`) has them early.
    let tail = spans.len().saturating_sub(2);
    let early_odd = spans[..tail]
        .iter()
        .any(|r| r.len() == 1 || v[r.start].is_ascii_digit());
    letter_pieces.len() >= 3 && letters >= 3 * letter_pieces.len() && !early_odd && is_wordy(v)
}

/// A letters-only value that a password generator could have made: at least 10 letters, no
/// separators, upper and lower case, and letter pairs that are rare in words.
pub fn looks_random_letters(v: &[u8]) -> bool {
    v.len() >= 10
        && v.iter().all(u8::is_ascii_alphabetic)
        && v.iter().any(u8::is_ascii_uppercase)
        && v.iter().any(u8::is_ascii_lowercase)
        && !is_wordy(v)
}

/// Splits `v` into pieces at separators, digit runs and case changes (`HTTPServer` ->
/// `HTTP`, `Server`; `token1` -> `token`, `1`), then judges: pieces of letters must read as
/// words (few rare letter pairs), digit pieces must be short and few, and pieces must not be
/// mostly single letters.
pub fn is_wordy(v: &[u8]) -> bool {
    let spans = pieces(v);
    let pieces: Vec<&[u8]> = spans.iter().map(|r| &v[r.clone()]).collect();
    if pieces.is_empty() {
        return false;
    }
    let mut pairs = 0usize;
    let mut rare = 0usize;
    let mut digit_runs = 0usize;
    let mut digits = 0usize;
    let mut singles = 0usize;
    let mut letters = 0usize;
    for p in &pieces {
        if p[0].is_ascii_digit() {
            digit_runs += 1;
            digits += p.len();
            continue;
        }
        letters += p.len();
        if p.len() == 1 {
            singles += 1;
        }
        for w in p.windows(2) {
            pairs += 1;
            if !common_pair(w[0], w[1]) {
                rare += 1;
            }
        }
    }
    if letters == 0 {
        return false;
    }
    // Words: few rare pairs. Random base62 text has about half of its pairs rare.
    let words = rare < 2 || rare * 4 < pairs;
    // Identifiers carry a version or width (`sha256`, `u32`, `token1`), not digits throughout.
    let few_digits = digit_runs <= 2 && digits * 3 <= letters;
    let letter_pieces = pieces.len() - digit_runs;
    // Digits between letters (`h0Ki9Arr`) twice or more: generated, not named. Identifiers
    // have at most one such spot (`CachingSha2Password`).
    let inner_digits = spans
        .windows(3)
        .filter(|w| {
            v[w[1].start].is_ascii_digit()
                && !v[w[0].start].is_ascii_digit()
                && !v[w[2].start].is_ascii_digit()
                && w[0].end == w[1].start
                && w[1].end == w[2].start
        })
        .count();
    words && few_digits && inner_digits < 2 && (singles <= 1 || singles * 3 <= letter_pieces)
}

/// Where the pieces of `v` are (see [`is_wordy`]).
fn pieces(v: &[u8]) -> Vec<std::ops::Range<usize>> {
    #[derive(PartialEq, Clone, Copy)]
    enum K {
        Upper,
        Lower,
        Digit,
        Other,
    }
    let kind = |b: u8| {
        if b.is_ascii_uppercase() {
            K::Upper
        } else if b.is_ascii_lowercase() {
            K::Lower
        } else if b.is_ascii_digit() {
            K::Digit
        } else {
            K::Other
        }
    };
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..=v.len() {
        let cut = if i == v.len() {
            true
        } else if i == start {
            false
        } else {
            let (a, b) = (kind(v[i - 1]), kind(v[i]));
            match (a, b) {
                (K::Other, _) | (_, K::Other) => true,
                (K::Lower, K::Upper) => true,
                (K::Digit, x) | (x, K::Digit) if x != K::Digit => true,
                // `HTTPServer`: the last capital starts the next word.
                (K::Upper, K::Lower) => {
                    if i - start >= 2 {
                        out.push(start..i - 1);
                        start = i - 1;
                    }
                    false
                }
                _ => false,
            }
        };
        if cut {
            if start < i && kind(v[start]) != K::Other {
                out.push(start..i);
            }
            start = if i < v.len() && kind(v[i]) == K::Other {
                i + 1
            } else {
                i
            };
        }
    }
    out
}

/// The 350 most frequent letter pairs inside the words of identifiers in Rust crate sources
/// (case folded), one bit per second letter: `COMMON_PAIRS[a] >> b & 1`. Random text hits a
/// pair outside this set about half the time; words and identifiers rarely do.
const COMMON_PAIRS: [u32; 26] = [
    0x1febd6e, // a: bcdfgiklmnprstuvwxy
    0x1164b11, // b: aeijlorsuy
    0x11eddb7, // c: abcefhiklmoprstuy
    0x17ef99f, // d: abcdehilmnoprstuvwy
    0x1fffd7f, // e: abcdefgiklmnopqrstuvwxy
    0x11e6931, // f: aefilnorstuy
    0x01ef9d9, // g: adeghilmnoprstu
    0x13a5115, // h: aceimortuvy
    0x2fef87f, // i: abcdefglmnoprstuvwxz
    0x0044010, // j: eos
    0x0142111, // k: aeinsu
    0x13cc97b, // l: abdefgilopstuvy
    0x014d93b, // m: abdefilmopsu
    0x13efd7d, // n: acdefgiklmnoprstuvy
    0x0fefd6f, // o: abcdfgiklmnoprstuvwx
    0x15ef9bf, // p: abcdefhilmnoprstuwy
    0x0100800, // q: lu
    0x13efd7f, // r: abcdefgiklmnoprstuvy
    0x35ffdff, // s: abcdefghiklmnopqrstuwyz
    0x15ed9bf, // t: abcdefhilmoprstuwy
    0x00eb97f, // u: abcdefgilmnprst
    0x0084111, // v: aeiot
    0x0067193, // w: abehimnors
    0x1089114, // x: ceimpty
    0x00cb810, // y: elmnpst
    0x0004011, // z: aeo
];

fn common_pair(a: u8, b: u8) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    if !a.is_ascii_lowercase() || !b.is_ascii_lowercase() {
        return false;
    }
    COMMON_PAIRS[usize::from(a - b'a')] >> (b - b'a') & 1 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the check on `line`, with the value being the first occurrence of `value`.
    fn reason(line: &str, value: &str) -> Option<&'static str> {
        let start = line
            .find(value)
            .unwrap_or_else(|| panic!("{value} not in {line}"));
        not_a_secret(line.as_bytes(), start, start + value.len())
    }

    #[test]
    fn numbers_are_not_secrets() {
        for n in [
            "1304u32",
            "0x7FFF_FFFF",
            "3.5e10",
            "10UL",
            "-42",
            "1_000_000usize",
        ] {
            assert!(is_number(n.as_bytes()), "{n}");
        }
        for n in ["0xZZ", "12ab34cd", "e10", "1304u33", "9Kq2"] {
            assert!(!is_number(n.as_bytes()), "{n}");
        }
    }

    #[test]
    fn paths_are_not_secrets_but_base64_with_slashes_is_not_a_path() {
        for p in [
            "./config/app.yaml",
            "/var/run/secrets/serviceaccount/token",
            "kube-system/cert-manager-webhook-ca",
            "~/.ssh/id_ed25519",
            "@/etc/hosts",
            "/$workdir/server.pid",
        ] {
            assert!(is_path(p.as_bytes()), "{p}");
        }
        for p in ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq3Lk", "Zq8v/Lm3n+Rt0p/Wx2"] {
            assert!(!is_path(p.as_bytes()), "{p}");
        }
    }

    #[test]
    fn escaped_bytes_are_not_secrets() {
        assert!(is_escaped_bytes(br"\u0000\u001f\u0003\u00ff"));
        assert!(is_escaped_bytes(br"\x9c\x01\xf3\x7e"));
        assert!(!is_escaped_bytes(br"Tr0ub4dor\n3xQpLm9zzk"));
    }

    #[test]
    fn identifier_paths() {
        for i in [
            "child_token",
            "token1.child_token",
            "std::env::Var",
            "self->token",
        ] {
            assert!(is_identifier_path(i.as_bytes()), "{i}");
        }
        for i in ["1abc", "a..b", "a-b", "abc def", "Zq8v/Lm3"] {
            assert!(!is_identifier_path(i.as_bytes()), "{i}");
        }
    }

    #[test]
    fn words_and_identifiers_read_as_words() {
        for w in [
            "ERROR_WRONG_PASSWORD",
            "OpenProcessToken",
            "HTTPServerToken",
            "FTS5_MAX_TOKEN",
            "modadvapi32",
            "sha256_digest",
            "token1.child_token",
            "my-app-tls-secret",
            "SecretAccessKeyRef",
            "CachingSha2Password",
        ] {
            assert!(words_not_random(w.as_bytes()), "{w}");
        }
        for r in [
            "f3vA7NUtFOY6aF0k",
            "pOUD2grTm8EFeNYbBFRUYC0z3dCHoZ7u",
            "hKqZmWtRbXvLpNsD",
            "dGlMoiyrlfxXrTnyF",
            "Uc5XN6Xr#fKm8vG!OAfu",
            "h0Ki9ArrJZAiuymeb_pnm",
        ] {
            assert!(!words_not_random(r.as_bytes()), "{r}");
        }
    }

    #[test]
    fn long_names_made_of_words_are_identifiers() {
        for w in [
            "PropertyNameParseIndicConjunctBreakV1",
            "ERROR_DS_SAM_NEED_BOOTKEY_PASSWORD",
            "GetSystemWindowsDirectoryW",
        ] {
            assert!(is_word_identifier(w.as_bytes()), "{w}");
        }
        for r in [
            "wJalrXUtnFEMIK7MDENGbPxRfiCYzq3LkT9pQ2vN",
            "ghp_R8bXk2mP9qL4vN7sT1wY6zC3dF5hJ0aE2gK8",
            "hKqZmWtRbXvLpNsDqWfzXbJv",
            "ShortName",
            "Meadow42_Tb7stWindowR",
        ] {
            assert!(!is_word_identifier(r.as_bytes()), "{r}");
        }
    }

    #[test]
    fn random_letters_are_told_from_words() {
        for r in ["hKqZmWtRbXvLpNsD", "qWfzXbJvRmTkLcPd", "dGlMoiyrlfxXrTnyF"] {
            assert!(looks_random_letters(r.as_bytes()), "{r}");
        }
        for w in [
            "ThisIsMyPassword",
            "OpenProcessToken",
            "correcthorsebatterystaple",
            "PASSWORDHASH",
            "Short",
        ] {
            assert!(!looks_random_letters(w.as_bytes()), "{w}");
        }
    }

    #[test]
    fn calls_member_access_and_comparisons_are_code() {
        assert_eq!(
            reason(
                "let child_token = token1.child_token();",
                "token1.child_token"
            ),
            Some("a call")
        );
        assert_eq!(
            reason(
                "\tprocOpenProcessToken = modadvapi32.NewProc(\"OpenProcessToken\")",
                "modadvapi32.NewProc"
            ),
            Some("a call")
        );
        assert_eq!(
            reason("if token == Zq8vLm3nRt0pWx2Kd9 {", "Zq8vLm3nRt0pWx2Kd9"),
            Some("a comparison, not an assignment")
        );
        assert_eq!(
            reason("  password = cfg.creds[Zq8vLm3nRt0p]", "cfg.creds"),
            Some("a member access, index or generic type")
        );
    }

    #[test]
    fn identifiers_in_code_are_references() {
        // Random-looking, but a bare name in code is a variable, not a literal.
        assert_eq!(
            reason("const token = f3vA7NUtFOY6aF0kQ;", "f3vA7NUtFOY6aF0kQ"),
            Some("an identifier in code")
        );
        // The same value as a config entry is a credential.
        assert_eq!(
            reason("DB_PASSWORD=f3vA7NUtFOY6aF0kQ", "f3vA7NUtFOY6aF0kQ"),
            None
        );
        assert_eq!(
            reason("  password: f3vA7NUtFOY6aF0kQ", "f3vA7NUtFOY6aF0kQ"),
            None
        );
    }

    #[test]
    fn values_inside_a_longer_string_are_text_not_code() {
        let line = "conn = \"Server=db1;Database=app;User Id=svc;Password=Kq9Lm2Vx8Rt;\"";
        assert_eq!(reason(line, "Kq9Lm2Vx8Rt"), None);
        let line = "dsn = 'host=db1 user=svc password=Kq9Lm2Vx8Rt sslmode=require'";
        assert_eq!(reason(line, "Kq9Lm2Vx8Rt"), None);
    }

    #[test]
    fn quoted_random_literals_pass() {
        assert_eq!(
            reason(
                "password = \"Uc5XN6Xr#fKm8vG!OAfu\"",
                "Uc5XN6Xr#fKm8vG!OAfu"
            ),
            None
        );
        assert_eq!(
            reason("token: 'hKqZmWtRbXvLpNsD'", "hKqZmWtRbXvLpNsD"),
            None
        );
        assert_eq!(
            reason("password = \"Unable to read the\"", "Unable"),
            Some("a phrase in a string, not a credential")
        );
    }

    #[test]
    fn code_paths_and_type_annotations_are_code() {
        assert!(is_code_path(b"super::super::Win32::Foundation::"));
        assert!(is_code_path(b":from_pkcs8_pem"));
        assert!(!is_code_path(b"Zq8v:Lm3n"));
        assert_eq!(
            reason(
                "pub const ERROR_BAD_PASSWORD: WIN32_ERROR = 1304u32;",
                "WIN32_ERROR"
            ),
            Some("an identifier in code")
        );
        assert_eq!(
            reason(
                "    ERROR_BAD_PASSWORD: Zq8vLm3nRt0pWx2Kd9 = 7",
                "Zq8vLm3nRt0pWx2Kd9"
            ),
            Some("a type annotation")
        );
    }

    #[test]
    fn query_parameters_end_at_the_next_parameter() {
        assert_eq!(query_value(b"abc&next=1"), Some(&b"abc"[..]));
        assert_eq!(query_value(br"\u0026prefix=obj"), Some(&b""[..]));
        assert_eq!(query_value(b"Zq8v&Lm3n"), None);
        assert_eq!(
            reason(
                "GET /o?alt=json&token=9f86d081884c7d659a2feaa0c55ad0159f86d081884c7d659a2feaa0c55ad015&x=1",
                "9f86d081884c7d659a2feaa0c55ad0159f86d081884c7d659a2feaa0c55ad015&x=1"
            ),
            Some("a query parameter that is empty, short or a digest")
        );
    }

    #[test]
    fn pagination_cursors_and_base64_labels_are_not_secrets() {
        assert_eq!(
            reason(
                "{\"nextPageToken\": \"Cg9vYmplY3QtMDAwMTIzNDU\"}",
                "Cg9vYmplY3QtMDAwMTIzNDU"
            ),
            Some("a pagination cursor, not a credential")
        );
        // base64 of "a secret" and of "joe:secret"
        assert!(base64_of_text(b"YSBzZWNyZXQ="));
        assert!(base64_of_text(b"am9lOnNlY3JldA=="));
        // RFC 7617's "Aladdin:open sesame"
        assert!(base64_of_text(b"QWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
        assert!(!base64_of_text(b"q7Xk2mR9vLw3pZt8"));
        // base64 of "sup3rS3cr3t": a real password, encoded
        assert!(!base64_of_text(b"c3VwM3JTM2NyM3Q="));
    }

    #[test]
    fn a_closing_quote_does_not_make_the_value_a_literal() {
        assert_eq!(
            reason("env = append(env, \"PWD=\"+dir.Path)", "+dir.Path"),
            Some("an identifier in code")
        );
    }

    #[test]
    fn doc_links_urls_and_arns_are_not_secrets() {
        assert_eq!(
            reason(
                "// [RotateSigningKey]: https://docs.cloudvendor.net/api/RotateSigningKey.html",
                "https://docs.cloudvendor.net/api/RotateSigningKey.html"
            ),
            Some("a URL")
        );
        assert_eq!(
            reason(
                "# secret: arn:aws:secretsmanager:us-east-1:111122223333:secret:db-Ab12Cd",
                "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-Ab12Cd"
            ),
            Some("an ARN")
        );
        assert_eq!(
            reason(
                "// \"arn:aws:secretsmanager:us-east-1:111122223333:secret:DbCreds-Ab12Cd\"",
                "DbCreds-Ab12Cd"
            ),
            Some("part of an ARN")
        );
    }
}
