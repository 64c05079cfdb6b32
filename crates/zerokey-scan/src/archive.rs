//! Archives and databases inside the file source: zip, tar, gzip (and so `tar.gz` and the
//! layers of a `docker save` image) are opened by their magic bytes and their members go
//! through the same blob pipeline as files; SQLite files are scanned row by row
//! ([`crate::sqlite`]). Limits against archive bombs: nesting depth, bytes decompressed per
//! archive file, and the compression ratio of each gzip stream and zip member.
//!
//! A member's location is the archive path, then each member path after `!`
//! (`image.tar!blobs/sha256/…!etc/app.env`). A limit that is hit skips what it covers with a
//! reason (listed in the report's `skipped`); a corrupt or truncated archive is an error naming
//! it; members read before the damage keep their findings.

use crate::blob::{scan_blob_layer, BlobResult, Origin};
use crate::files::{is_binary, scan_stream_layer};
use crate::{PathError, ScanOptions};
use std::cell::{Cell, RefCell};
use std::io::{self, Cursor, Read, Seek};
use zerokey_core::stats::Skipped;
use zerokey_core::Matcher;

/// Bytes read from the start of each file or member to recognise its format.
const HEAD: u64 = 8 * 1024;
/// Decompressed bytes a stream may produce before the ratio limit applies, so that small,
/// very repetitive files are not mistaken for bombs.
const RATIO_GRACE: u64 = 1024 * 1024;
/// A zip nested in another archive must be held in memory (zip needs random access): bigger
/// ones are skipped with a reason.
pub const MAX_NESTED_ZIP: u64 = 64 * 1024 * 1024;

/// A format zerokey opens instead of scanning the bytes as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An SQLite 3 database.
    Sqlite,
    /// A zip archive (also jar, war, apk, docx, …).
    Zip,
    /// A gzip stream (`.gz`, `.tgz`, compressed image layers).
    Gzip,
    /// A POSIX/GNU tar archive (also `docker save` images and their layers).
    Tar,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Sqlite => "SQLite database",
            Kind::Zip => "zip archive",
            Kind::Gzip => "gzip stream",
            Kind::Tar => "tar archive",
        }
    }
}

/// Recognises a format by its magic bytes (`head` is the start of the input).
pub fn detect(head: &[u8]) -> Option<Kind> {
    if head.starts_with(b"SQLite format 3\0") {
        Some(Kind::Sqlite)
    } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Some(Kind::Zip)
    } else if head.starts_with(&[0x1f, 0x8b, 0x08]) {
        Some(Kind::Gzip)
    } else if head.get(257..262) == Some(b"ustar") {
        Some(Kind::Tar)
    } else {
        None
    }
}

/// What scanning inside one file found and counted.
#[derive(Debug, Default)]
pub struct Found {
    /// Findings, reported and suppressed.
    pub result: BlobResult,
    /// Corrupt or truncated parts, by location.
    pub errors: Vec<PathError>,
    /// Parts skipped on purpose, by location, with the reason.
    pub skipped: Vec<Skipped>,
    /// Archive members scanned.
    pub members: u64,
    /// Database rows scanned.
    pub rows: u64,
    /// Members skipped as binary.
    pub binary: u64,
    /// Members (or cells) skipped as larger than the size cap.
    pub too_large: u64,
}

impl Found {
    pub(crate) fn error(&mut self, path: String, message: String) {
        tracing::warn!(path = %path, "{message}");
        self.errors.push(PathError { path, message });
    }

    pub(crate) fn skip(&mut self, path: String, reason: String) {
        tracing::info!(path = %path, "skipped: {reason}");
        self.skipped.push(Skipped { path, reason });
    }
}

/// A limit that stopped reading: which level owns it (0: the whole archive) and why.
struct Trip {
    owner: usize,
    reason: String,
}

/// Per archive file: what it is, the options, and the limit state shared by every level.
struct Env<'a> {
    matcher: &'a Matcher,
    opts: &'a ScanOptions,
    path: &'a str,
    rel_path: &'a str,
    inflated: Cell<u64>,
    trip: RefCell<Option<Trip>>,
}

impl Env<'_> {
    fn location(&self, inner: &str) -> String {
        format!("{}{inner}", self.path)
    }

    fn trip(&self, owner: usize, reason: String) {
        let mut t = self.trip.borrow_mut();
        if t.is_none() {
            *t = Some(Trip { owner, reason });
        }
    }

    /// After a read failed at level `depth` (member `inner`, a `what`): a limit owned by this
    /// level becomes a skipped entry; a limit of an outer level, or a failure of the reader
    /// this level was given, goes up; anything else is this level's own corruption.
    fn failed(
        &self,
        out: &mut Found,
        inner: &str,
        depth: usize,
        what: &str,
        upstream: &Watch,
        err: &io::Error,
    ) -> Result<(), Broken> {
        let owned = {
            let mut t = self.trip.borrow_mut();
            match t.as_ref() {
                Some(trip) if trip.owner == depth => t.take().map(|t| t.reason),
                Some(_) => return Err(Broken),
                None => None,
            }
        };
        if let Some(reason) = owned {
            out.skip(self.location(inner), reason);
            return Ok(());
        }
        if upstream.failed.get() {
            return Err(Broken);
        }
        let cause = upstream.cause.borrow_mut().take();
        let message = cause.unwrap_or_else(|| err.to_string());
        out.error(
            self.location(inner),
            format!("corrupt or truncated {what}: {message}"),
        );
        Ok(())
    }
}

/// The reader a level was given failed (a limit or damage further out): stop this level and
/// let the one that owns the reader report it.
#[derive(Debug)]
struct Broken;

/// Notes whether reads through it failed, and the first error of what it wraps.
#[derive(Default)]
struct Watch {
    failed: Cell<bool>,
    cause: RefCell<Option<String>>,
}

struct Watched<'w, R> {
    inner: R,
    watch: &'w Watch,
    /// Bytes read, for the ratio of a decompressor's input.
    count: Option<&'w Cell<u64>>,
}

impl<R: Read> Read for Watched<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                if let Some(c) = self.count {
                    c.set(c.get() + n as u64);
                }
                Ok(n)
            }
            Err(e) => {
                self.watch.failed.set(true);
                Err(e)
            }
        }
    }
}

impl<R: Seek> Seek for Watched<'_, R> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// The compressed side of a decompressor: counted while read, or known from a header.
enum Compressed<'c> {
    Counted(&'c Cell<u64>),
    Known(u64),
}

/// The output of a decompressor: counts toward the archive's budget and checks the ratio.
/// Errors it returns are sticky, and a decompression error is kept as the cause.
struct Inflated<'e, 'a, R> {
    inner: R,
    env: &'e Env<'a>,
    compressed: Compressed<'e>,
    owner: usize,
    out: u64,
    stopped: bool,
    cause: &'e Watch,
}

impl<R: Read> Read for Inflated<'_, '_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.stopped {
            return Err(io::Error::other("stopped by an archive limit"));
        }
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            Err(e) => {
                let mut c = self.cause.cause.borrow_mut();
                if c.is_none() {
                    *c = Some(e.to_string());
                }
                return Err(e);
            }
        };
        self.out += n as u64;
        let total = self.env.inflated.get() + n as u64;
        self.env.inflated.set(total);
        let limits = &self.env.opts.archive;
        if total > limits.max_bytes {
            self.stopped = true;
            self.env.trip(
                0,
                format!(
                    "more than {} decompressed (--archive-max-bytes); the rest of the archive is not scanned",
                    human(limits.max_bytes)
                ),
            );
            return Err(io::Error::other("archive byte limit"));
        }
        let compressed = match self.compressed {
            Compressed::Counted(c) => c.get(),
            Compressed::Known(k) => k,
        };
        if self.out > RATIO_GRACE && self.out / compressed.max(1) > limits.max_ratio {
            self.stopped = true;
            self.env.trip(
                self.owner,
                format!(
                    "compression ratio above {} (--archive-max-ratio): {} from {} compressed; not scanned",
                    limits.max_ratio,
                    human(self.out),
                    human(compressed)
                ),
            );
            return Err(io::Error::other("archive ratio limit"));
        }
        Ok(n)
    }
}

/// `1.5 MiB`-style sizes for messages.
fn human(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// Member paths as shown: `/` separators, no leading `./`, no control characters.
fn member_name(raw: &str) -> String {
    let s: String = raw
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    let s = s.replace('\\', "/");
    s.trim_start_matches("./").to_string()
}

/// Scans archive file `path` (shown as `shown`, fingerprinted by `rel_path`) of format `kind`
/// from `reader`, at the start of the file.
pub fn scan_archive<R: Read + Seek>(
    matcher: &Matcher,
    opts: &ScanOptions,
    shown: &str,
    rel_path: &str,
    kind: Kind,
    reader: R,
) -> Found {
    let env = Env {
        matcher,
        opts,
        path: shown,
        rel_path,
        inflated: Cell::new(0),
        trip: RefCell::new(None),
    };
    let mut out = Found::default();
    let watch = Watch::default();
    let mut input = Watched {
        inner: reader,
        watch: &watch,
        count: None,
    };
    let r = match kind {
        Kind::Zip => scan_zip_reader(&env, &mut out, "", &mut input, 1, &watch),
        Kind::Tar => scan_tar(&env, &mut out, "", &mut input, 1),
        Kind::Gzip => scan_gzip(&env, &mut out, "", &mut input, 1),
        Kind::Sqlite => Ok(()),
    };
    if r.is_err() {
        match env.trip.borrow_mut().take() {
            Some(trip) => out.skip(shown.to_string(), trip.reason),
            None => {
                let cause = watch.cause.borrow_mut().take();
                out.error(
                    shown.to_string(),
                    format!(
                        "cannot read {}: {}",
                        kind.name(),
                        cause.unwrap_or_else(|| "read error".into())
                    ),
                );
            }
        }
    }
    out
}

/// Scans what `reader` yields: member `inner` of an archive at nesting `depth` (the number of
/// archives around it). Recognised formats are opened; anything else is scanned as text.
fn scan_member(
    env: &Env<'_>,
    out: &mut Found,
    inner: &str,
    reader: &mut dyn Read,
    size: Option<u64>,
    depth: usize,
    layer: Option<&'static str>,
) -> Result<(), Broken> {
    let mut head = Vec::with_capacity(HEAD as usize);
    if (&mut *reader).take(HEAD).read_to_end(&mut head).is_err() {
        return Err(Broken);
    }
    let limits = &env.opts.archive;
    let kind = detect(&head).filter(|_| limits.archives);
    let Some(kind) = kind else {
        out.members += 1;
        return scan_leaf(env, out, inner, head, reader, layer);
    };
    if kind == Kind::Sqlite {
        if limits.databases {
            out.skip(
                env.location(inner),
                "SQLite database inside an archive is not scanned (extract it and scan the file)"
                    .into(),
            );
        } else {
            out.binary += 1;
        }
        return Ok(());
    }
    if depth >= limits.max_depth {
        out.skip(
            env.location(inner),
            format!(
                "{} nested deeper than {} archives (--archive-max-depth); not scanned",
                kind.name(),
                limits.max_depth
            ),
        );
        return Ok(());
    }
    let mut rest = Cursor::new(head).chain(reader);
    match kind {
        Kind::Gzip => scan_gzip(env, out, inner, &mut rest, depth + 1),
        Kind::Tar => scan_tar(env, out, inner, &mut rest, depth + 1),
        Kind::Zip => {
            if size.is_some_and(|s| s > MAX_NESTED_ZIP) {
                out.skip(
                    env.location(inner),
                    format!(
                        "zip archive inside an archive is larger than {}; not scanned",
                        human(MAX_NESTED_ZIP)
                    ),
                );
                return Ok(());
            }
            let mut bytes = Vec::new();
            if rest
                .take(MAX_NESTED_ZIP + 1)
                .read_to_end(&mut bytes)
                .is_err()
            {
                return Err(Broken);
            }
            if bytes.len() as u64 > MAX_NESTED_ZIP {
                out.skip(
                    env.location(inner),
                    format!(
                        "zip archive inside an archive is larger than {}; not scanned",
                        human(MAX_NESTED_ZIP)
                    ),
                );
                return Ok(());
            }
            let watch = Watch::default();
            scan_zip_reader(env, out, inner, &mut Cursor::new(bytes), depth + 1, &watch)
        }
        Kind::Sqlite => Ok(()),
    }
}

/// Scans a member's text: whole when it fits in one chunk, else as a chunked stream.
fn scan_leaf(
    env: &Env<'_>,
    out: &mut Found,
    inner: &str,
    mut buf: Vec<u8>,
    rest: &mut dyn Read,
    layer: Option<&'static str>,
) -> Result<(), Broken> {
    let origin = Origin {
        path: env.path,
        rel_path: env.rel_path,
        commit: None,
        date: None,
        inner: (!inner.is_empty()).then_some(inner),
        cells: None,
    };
    let verifier = env.opts.verifier.as_deref();
    let chunk = env.opts.chunk_size.max(HEAD as usize);
    let want = (chunk - buf.len().min(chunk)) as u64;
    let got = (&mut *rest)
        .take(want)
        .read_to_end(&mut buf)
        .map_err(|_| Broken)?;
    if (got as u64) < want {
        if is_binary(&buf) {
            out.binary += 1;
        } else {
            out.result
                .extend(scan_blob_layer(env.matcher, &origin, &buf, verifier, layer));
        }
        return Ok(());
    }
    let mut all = Cursor::new(buf).chain(rest);
    let mut scratch = Vec::new();
    match scan_stream_layer(
        env.matcher,
        &origin,
        &mut all,
        chunk,
        &mut scratch,
        verifier,
        layer,
    ) {
        Ok((result, _, binary)) => {
            if binary {
                out.binary += 1;
            }
            out.result.extend(result);
            Ok(())
        }
        Err(_) => Err(Broken),
    }
}

fn scan_gzip(
    env: &Env<'_>,
    out: &mut Found,
    inner: &str,
    reader: &mut dyn Read,
    depth: usize,
) -> Result<(), Broken> {
    let upstream = Watch::default();
    let compressed = Cell::new(0);
    let decoder = flate2::read::MultiGzDecoder::new(Watched {
        inner: reader,
        watch: &upstream,
        count: Some(&compressed),
    });
    let mut inflated = Inflated {
        inner: decoder,
        env,
        compressed: Compressed::Counted(&compressed),
        owner: depth,
        out: 0,
        stopped: false,
        cause: &upstream,
    };
    match scan_member(env, out, inner, &mut inflated, None, depth, Some("gzip")) {
        Ok(()) => Ok(()),
        Err(Broken) => {
            let err = io::Error::other("read error");
            env.failed(out, inner, depth, "gzip stream", &upstream, &err)
        }
    }
}

fn scan_tar(
    env: &Env<'_>,
    out: &mut Found,
    inner: &str,
    reader: &mut dyn Read,
    depth: usize,
) -> Result<(), Broken> {
    let upstream = Watch::default();
    let mut archive = tar::Archive::new(Watched {
        inner: reader,
        watch: &upstream,
        count: None,
    });
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => return env.failed(out, inner, depth, "tar archive", &upstream, &e),
    };
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => return env.failed(out, inner, depth, "tar archive", &upstream, &e),
        };
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind == tar::EntryType::Continuous) {
            continue;
        }
        let name = match entry.path() {
            Ok(p) => member_name(&p.to_string_lossy()),
            Err(e) => return env.failed(out, inner, depth, "tar archive", &upstream, &e),
        };
        let size = entry.size();
        let child = format!("{inner}!{name}");
        if size > env.opts.max_file_size {
            out.too_large += 1;
            tracing::debug!(member = %child, size, "skipped: larger than --max-file-size");
            continue;
        }
        if scan_member(env, out, &child, &mut entry, Some(size), depth, None).is_err() {
            let err = io::Error::other("read error");
            return env.failed(out, inner, depth, "tar archive", &upstream, &err);
        }
    }
    Ok(())
}

/// Why the archive is refused when two entries of its central directory share or overlap
/// their data (a zip bomb's trick: a thousand entries pointing at one member would each be
/// inflated in turn). Entries whose header cannot be read are left to the member loop.
fn overlapping_entries<R: Read + Seek>(archive: &mut zip::ZipArchive<R>) -> Option<String> {
    let mut spans: Vec<(u64, u64, usize)> = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        if let Ok(m) = archive.by_index_raw(i) {
            // The data follows the local header: start + compressed size is a lower bound of
            // where the entry ends.
            let start = m.header_start();
            spans.push((start, start.saturating_add(m.compressed_size()), i));
        }
    }
    spans.sort_unstable();
    spans.windows(2).find_map(|w| {
        let (a, b) = (w[0], w[1]);
        (a.0 == b.0 || a.1 > b.0).then(|| {
            format!(
                "zip entries {} and {} overlap (offsets {} and {}): a zip bomb's layout; the archive is not scanned",
                a.2.min(b.2),
                a.2.max(b.2),
                a.0,
                b.0
            )
        })
    })
}

/// Opens a zip archive from `reader` and scans its members.
fn scan_zip_reader<R: Read + Seek>(
    env: &Env<'_>,
    out: &mut Found,
    inner: &str,
    reader: R,
    depth: usize,
    upstream: &Watch,
) -> Result<(), Broken> {
    let mut archive = match zip::ZipArchive::new(reader) {
        Ok(a) => a,
        Err(e) => {
            if upstream.failed.get() {
                return Err(Broken);
            }
            out.error(
                env.location(inner),
                format!("corrupt or truncated zip archive: {e}"),
            );
            return Ok(());
        }
    };
    if let Some(reason) = overlapping_entries(&mut archive) {
        out.skip(env.location(inner), reason);
        return Ok(());
    }
    let limits = &env.opts.archive;
    for i in 0..archive.len() {
        let (name, size, compressed) = {
            let meta = match archive.by_index_raw(i) {
                Ok(m) => m,
                Err(e) => {
                    out.error(
                        env.location(inner),
                        format!("corrupt zip archive: entry {i}: {e}"),
                    );
                    continue;
                }
            };
            if meta.is_dir() || meta.is_symlink() {
                continue;
            }
            let name = format!("{inner}!{}", member_name(meta.name()));
            if meta.encrypted() {
                out.skip(
                    env.location(&name),
                    "encrypted zip member; not scanned".into(),
                );
                continue;
            }
            let method = meta.compression();
            if !matches!(
                method,
                zip::CompressionMethod::Stored | zip::CompressionMethod::Deflated
            ) {
                out.skip(
                    env.location(&name),
                    format!("zip compression method {method} not supported; not scanned"),
                );
                continue;
            }
            (name, meta.size(), meta.compressed_size())
        };
        if size > env.opts.max_file_size {
            out.too_large += 1;
            tracing::debug!(member = %name, size, "skipped: larger than --max-file-size");
            continue;
        }
        if size > RATIO_GRACE && size / compressed.max(1) > limits.max_ratio {
            out.skip(
                env.location(&name),
                format!(
                    "compression ratio above {} (--archive-max-ratio): {} from {} compressed; not scanned",
                    limits.max_ratio,
                    human(size),
                    human(compressed)
                ),
            );
            continue;
        }
        let file = match archive.by_index(i) {
            Ok(f) => f,
            Err(e) => {
                out.error(env.location(&name), format!("corrupt zip member: {e}"));
                continue;
            }
        };
        let cause = Watch::default();
        let mut inflated = Inflated {
            inner: file,
            env,
            compressed: Compressed::Known(compressed),
            owner: depth,
            out: 0,
            stopped: false,
            cause: &cause,
        };
        let r = scan_member(env, out, &name, &mut inflated, Some(size), depth, None);
        drop(inflated);
        if r.is_err() {
            let err = io::Error::other("read error");
            env.failed(out, &name, depth, "zip member", &cause, &err)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_recognised_by_magic_bytes() {
        assert_eq!(detect(b"SQLite format 3\0rest"), Some(Kind::Sqlite));
        assert_eq!(detect(b"PK\x03\x04...."), Some(Kind::Zip));
        assert_eq!(detect(b"PK\x05\x06"), Some(Kind::Zip));
        assert_eq!(detect(&[0x1f, 0x8b, 0x08, 0]), Some(Kind::Gzip));
        let mut tar = vec![0u8; 512];
        tar[257..263].copy_from_slice(b"ustar\0");
        assert_eq!(detect(&tar), Some(Kind::Tar));
        assert_eq!(detect(b"plain text"), None);
        assert_eq!(detect(b"PK"), None);
    }

    #[test]
    fn member_names_are_cleaned() {
        assert_eq!(member_name("./etc/app.env"), "etc/app.env");
        assert_eq!(member_name("a\nb"), "a?b");
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human(512), "512 B");
        assert_eq!(human(3 * 1024 * 1024 / 2), "1.5 MiB");
    }
}
