//! The file source: a parallel directory walk (`ignore`), binary and size checks, whole-file
//! reads for ordinary files and overlapping chunks for big files and streams.

use crate::archive::{self, Found, Kind};
use crate::blob::{scan_blob_with, scan_text, BlobResult, Origin, Text};
use crate::locate::Base;
use crate::{PathError, Progress, ScanError, ScanOptions, ScanOutcome, Skipped, Stats};
use ignore::{WalkBuilder, WalkState};
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;
use zerokey_core::verify::Verifier;
use zerokey_core::Matcher;

/// Bytes of a chunk's tail that the next chunk scans again, so no secret is cut in two.
pub const CHUNK_OVERLAP: usize = 64 * 1024;
/// How far into a file the binary check looks for a NUL byte.
const BINARY_SNIFF: usize = 8 * 1024;
/// A stream (stdin, a named pipe, a character device) that yields binary data for this many
/// bytes in a row is not read further: it may never end (`/dev/zero`).
pub const STREAM_BINARY_BOUND: u64 = 4 * 1024 * 1024;

#[derive(Default)]
struct Shared {
    files: AtomicU64,
    bytes: AtomicU64,
    skipped_binary: AtomicU64,
    skipped_large: AtomicU64,
    skipped_symlinks: AtomicU64,
    skipped_excluded: AtomicU64,
    archive_members: AtomicU64,
    database_rows: AtomicU64,
    result: Mutex<BlobResult>,
    errors: Mutex<Vec<PathError>>,
    skipped: Mutex<Vec<Skipped>>,
    /// Named pipes, devices and sockets met inside directories (never opened there).
    others: Mutex<Vec<Skipped>>,
}

impl Shared {
    fn add(&self, r: BlobResult) {
        if r.is_empty() {
            return;
        }
        if let Ok(mut all) = self.result.lock() {
            all.extend(r);
        }
    }

    /// Adds what scanning inside an archive or database found.
    fn add_found(&self, found: Found) {
        let Found {
            result,
            errors,
            skipped,
            members,
            rows,
            binary,
            too_large,
        } = found;
        self.add(result);
        self.archive_members.fetch_add(members, Ordering::Relaxed);
        self.database_rows.fetch_add(rows, Ordering::Relaxed);
        self.skipped_binary.fetch_add(binary, Ordering::Relaxed);
        self.skipped_large.fetch_add(too_large, Ordering::Relaxed);
        if !errors.is_empty() {
            if let Ok(mut e) = self.errors.lock() {
                e.extend(errors);
            }
        }
        if !skipped.is_empty() {
            if let Ok(mut s) = self.skipped.lock() {
                s.extend(skipped);
            }
        }
    }

    fn error(&self, path: &Path, message: String) {
        tracing::warn!(path = %path.display(), "{message}");
        if let Ok(mut e) = self.errors.lock() {
            e.push(PathError {
                path: display(path),
                message,
            });
        }
    }
}

/// Path as shown to users: `./` dropped, `/` separators.
pub fn display(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// Walks and scans `roots` in parallel.
pub fn scan_paths(
    matcher: &Matcher,
    roots: &[PathBuf],
    opts: &ScanOptions,
    progress: &dyn Progress,
) -> Result<ScanOutcome, ScanError> {
    let started = Instant::now();
    for root in roots {
        if let Err(source) = std::fs::symlink_metadata(root) {
            return Err(ScanError::Root {
                path: display(root),
                source,
            });
        }
    }
    let shared = Shared::default();
    let mut streams: Vec<Skipped> = Vec::new();
    for root in roots {
        if let Some(kind) = special_root(root) {
            scan_special_root(matcher, root, kind, opts, progress, &shared, &mut streams);
        } else {
            walk_root(matcher, root, opts, progress, &shared);
        }
    }
    let mut result = shared.result.into_inner().unwrap_or_default();
    crate::sort_findings(&mut result.findings);
    result
        .suppressed
        .sort_by(|a, b| crate::finding_order(&a.finding, &b.finding));
    let mut errors = shared.errors.into_inner().unwrap_or_default();
    errors.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    let mut skipped = shared.skipped.into_inner().unwrap_or_default();
    let skipped_members = skipped.len() as u64;
    skipped.extend(streams);
    let others = shared.others.into_inner().unwrap_or_default();
    skipped.extend(others);
    skipped.sort_by(|a, b| (&a.path, &a.reason).cmp(&(&b.path, &b.reason)));
    let files = shared.files.load(Ordering::Relaxed);
    let suppressed = result.suppressed.len() as u64;
    Ok(ScanOutcome {
        findings: result.findings,
        suppressed: result.suppressed,
        stats: Stats {
            files,
            bytes: shared.bytes.load(Ordering::Relaxed),
            blobs: files,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            suppressed,
            skipped_binary: shared.skipped_binary.load(Ordering::Relaxed),
            skipped_too_large: shared.skipped_large.load(Ordering::Relaxed),
            skipped_symlinks: shared.skipped_symlinks.load(Ordering::Relaxed),
            skipped_excluded: shared.skipped_excluded.load(Ordering::Relaxed),
            errors: errors.len() as u64,
            archive_members: shared.archive_members.load(Ordering::Relaxed),
            database_rows: shared.database_rows.load(Ordering::Relaxed),
            skipped_members,
        },
        errors,
        skipped,
    })
}

fn walk_root(
    matcher: &Matcher,
    root: &Path,
    opts: &ScanOptions,
    progress: &dyn Progress,
    shared: &Shared,
) {
    let root_is_file = root.is_file();
    let exclude = opts.exclude.clone();
    let exclude = exclude.map(std::sync::Arc::new);
    let excluded = std::sync::Arc::new(AtomicU64::new(0));
    let excluded_count = excluded.clone();
    let walker = WalkBuilder::new(root)
        .standard_filters(false)
        .hidden(false)
        .git_ignore(opts.respect_gitignore)
        .git_exclude(opts.respect_gitignore)
        .require_git(false)
        .follow_links(opts.follow_symlinks)
        .threads(opts.threads())
        .filter_entry(move |e| {
            if e.file_name() == ".git" {
                return false;
            }
            if exclude.as_ref().is_some_and(|g| g.is_match(e.path())) {
                excluded.fetch_add(1, Ordering::Relaxed);
                return false;
            }
            true
        })
        .build_parallel();
    walker.run(|| {
        let mut buf: Vec<u8> = Vec::new();
        Box::new(move |entry| {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let path = err_path(&err).unwrap_or_else(|| root.to_path_buf());
                    shared.error(&path, err.to_string());
                    return WalkState::Continue;
                }
            };
            let Some(ft) = entry.file_type() else {
                return WalkState::Continue;
            };
            if ft.is_symlink() {
                shared.skipped_symlinks.fetch_add(1, Ordering::Relaxed);
                return WalkState::Continue;
            }
            if !ft.is_file() {
                if !ft.is_dir() {
                    let reason = format!(
                        "{} inside a directory; not read (give it as a PATH to read it as a stream)",
                        special_name(&ft)
                    );
                    tracing::info!(path = %entry.path().display(), "skipped: {reason}");
                    if let Ok(mut o) = shared.others.lock() {
                        o.push(Skipped {
                            path: display(entry.path()),
                            reason,
                        });
                    }
                }
                return WalkState::Continue;
            }
            let path = entry.path();
            let rel = if root_is_file {
                path.file_name().map(PathBuf::from).unwrap_or_default()
            } else {
                path.strip_prefix(root).unwrap_or(path).to_path_buf()
            };
            let shown = display(path);
            let origin = Origin {
                path: &shown,
                rel_path: &display(&rel),
                commit: None,
                date: None,
                inner: None,
                cells: None,
            };
            match scan_file(matcher, &origin, path, opts, &mut buf, shared) {
                Ok(n) => progress.file_done(n),
                Err(e) => shared.error(path, e),
            }
            WalkState::Continue
        })
    });
    shared
        .skipped_excluded
        .fetch_add(excluded_count.load(Ordering::Relaxed), Ordering::Relaxed);
}

/// What a path given to scan is when it is not a file, directory or symbolic link to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Special {
    /// A named pipe or a character device: read as a stream, like stdin.
    Stream,
    /// A socket or a block device: not read.
    Other,
}

/// Follows symbolic links (`<(cmd)` gives `/dev/fd/N`, a link to a pipe).
fn special_root(root: &Path) -> Option<Special> {
    use std::os::unix::fs::FileTypeExt;
    let ft = std::fs::metadata(root).ok()?.file_type();
    if ft.is_fifo() || ft.is_char_device() {
        Some(Special::Stream)
    } else if ft.is_socket() || ft.is_block_device() {
        Some(Special::Other)
    } else {
        None
    }
}

fn special_name(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "named pipe"
    } else if ft.is_char_device() {
        "character device"
    } else if ft.is_block_device() {
        "block device"
    } else if ft.is_socket() {
        "socket"
    } else {
        "special file"
    }
}

/// Scans a named pipe or character device given as a path as a stream (as stdin is): bounded
/// memory, and reading stops once it yields [`STREAM_BINARY_BOUND`] bytes of binary data.
fn scan_special_root(
    matcher: &Matcher,
    root: &Path,
    kind: Special,
    opts: &ScanOptions,
    progress: &dyn Progress,
    shared: &Shared,
    skipped: &mut Vec<Skipped>,
) {
    let shown = display(root);
    if kind == Special::Other {
        let what = std::fs::metadata(root).map_or("special file", |m| special_name(&m.file_type()));
        skipped.push(Skipped {
            path: shown,
            reason: format!("{what}; not read"),
        });
        return;
    }
    let rel = root.file_name().map(PathBuf::from).unwrap_or_default();
    let origin = Origin {
        path: &shown,
        rel_path: &display(&rel),
        commit: None,
        date: None,
        inner: None,
        cells: None,
    };
    let mut file = match fs_err::File::open(root) {
        Ok(f) => f,
        Err(e) => {
            shared.error(root, e.to_string());
            return;
        }
    };
    let mut buf = Vec::new();
    match scan_stream_bounded(
        matcher,
        &origin,
        &mut file,
        opts.chunk_size,
        &mut buf,
        opts.verifier.as_deref(),
    ) {
        Ok(s) => {
            if let Some(reason) = s.binary_reason() {
                shared.skipped_binary.fetch_add(1, Ordering::Relaxed);
                skipped.push(Skipped {
                    path: shown,
                    reason,
                });
            } else {
                count(shared, s.bytes, false);
            }
            progress.file_done(s.bytes);
            shared.add(s.result);
        }
        Err(e) => shared.error(root, format!("failed to read {}: {e}", root.display())),
    }
}

fn err_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            err_path(err)
        }
        _ => None,
    }
}

/// Scans one file; returns the bytes read. Archives and databases (recognised by their magic
/// bytes) are opened and scanned inside; their own size is not capped (they are streamed or
/// queried, never loaded whole), their members' is.
fn scan_file(
    matcher: &Matcher,
    origin: &Origin<'_>,
    path: &Path,
    opts: &ScanOptions,
    buf: &mut Vec<u8>,
    shared: &Shared,
) -> Result<u64, String> {
    let mut file = fs_err::File::open(path).map_err(|e| e.to_string())?;
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    let opens = opts.archive.archives || opts.archive.databases;
    if len > opts.max_file_size || len as usize > opts.chunk_size {
        if opens {
            let mut head = [0u8; 512];
            let n = read_head(&mut file, &mut head).map_err(|e| e.to_string())?;
            if let Some(kind) = container(opts, &head[..n]) {
                let reader = std::io::BufReader::with_capacity(1 << 16, file);
                scan_container(matcher, origin, path, opts, kind, reader, shared);
                count(shared, len, false);
                return Ok(len);
            }
            file.rewind().map_err(|e| e.to_string())?;
        }
        if len > opts.max_file_size {
            shared.skipped_large.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(path = %path.display(), len, "skipped: larger than --max-file-size");
            return Ok(0);
        }
        let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
        let (result, read, binary) = scan_stream(
            matcher,
            origin,
            &mut reader,
            opts.chunk_size,
            buf,
            opts.verifier.as_deref(),
        )
        .map_err(|e| format!("failed to read {}: {e}", path.display()))?;
        count(shared, read, binary);
        shared.add(result);
        return Ok(read);
    }
    buf.clear();
    if len == 0 {
        // Size unknown (files under /proc say 0): read to the end.
        file.read_to_end(buf).map_err(|e| e.to_string())?;
    } else {
        // The size is known: one read into a buffer of that size, without the read that
        // would find the end (a file that grows meanwhile is read as it was when opened).
        buf.reserve(len as usize);
        (&mut file)
            .take(len)
            .read_to_end(buf)
            .map_err(|e| e.to_string())?;
    }
    if opens {
        if let Some(kind) = container(opts, buf) {
            let reader = std::io::Cursor::new(buf.as_slice());
            scan_container(matcher, origin, path, opts, kind, reader, shared);
            count(shared, buf.len() as u64, false);
            return Ok(buf.len() as u64);
        }
    }
    let binary = is_binary(buf);
    count(shared, buf.len() as u64, binary);
    if !binary {
        shared.add(scan_blob_with(
            matcher,
            origin,
            buf,
            opts.verifier.as_deref(),
        ));
    }
    Ok(buf.len() as u64)
}

/// Reads up to `head.len()` bytes from the start of `file`, then goes back to the start.
fn read_head(file: &mut fs_err::File, head: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < head.len() {
        match file.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    file.rewind()?;
    Ok(n)
}

/// The container format of a file starting with `head`, if the options open it.
fn container(opts: &ScanOptions, head: &[u8]) -> Option<Kind> {
    archive::detect(head).filter(|k| match k {
        Kind::Sqlite => opts.archive.databases,
        _ => opts.archive.archives,
    })
}

fn scan_container<R: Read + Seek>(
    matcher: &Matcher,
    origin: &Origin<'_>,
    path: &Path,
    opts: &ScanOptions,
    kind: Kind,
    reader: R,
    shared: &Shared,
) {
    let found = if kind == Kind::Sqlite {
        let mut found = Found::default();
        crate::sqlite::scan_database(
            matcher,
            opts,
            path,
            origin.path,
            origin.rel_path,
            &mut found,
        );
        found
    } else {
        archive::scan_archive(matcher, opts, origin.path, origin.rel_path, kind, reader)
    };
    shared.add_found(found);
}

fn count(shared: &Shared, bytes: u64, binary: bool) {
    if binary {
        shared.skipped_binary.fetch_add(1, Ordering::Relaxed);
    } else {
        shared.files.fetch_add(1, Ordering::Relaxed);
        shared.bytes.fetch_add(bytes, Ordering::Relaxed);
    }
}

/// Binary: a NUL byte near the start, unless the bytes are UTF-16 text.
pub fn is_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(BINARY_SNIFF)];
    memchr::memchr(0, head).is_some() && crate::decode::detect_utf16(bytes).is_none()
}

/// Scans a stream in chunks of `chunk` bytes that overlap by [`CHUNK_OVERLAP`]; memory stays
/// at about one chunk whatever the input size. Returns the result, the bytes read, and
/// whether the stream looked binary (then nothing was scanned).
pub fn scan_stream(
    matcher: &Matcher,
    origin: &Origin<'_>,
    reader: &mut dyn Read,
    chunk: usize,
    buf: &mut Vec<u8>,
    verifier: Option<&dyn Verifier>,
) -> std::io::Result<(BlobResult, u64, bool)> {
    scan_stream_layer(matcher, origin, reader, chunk, buf, verifier, None)
}

/// [`scan_stream`] for a stream that came out of a decoding `layer` (e.g. `gzip`).
pub fn scan_stream_layer(
    matcher: &Matcher,
    origin: &Origin<'_>,
    reader: &mut dyn Read,
    chunk: usize,
    buf: &mut Vec<u8>,
    verifier: Option<&dyn Verifier>,
    layer: Option<&'static str>,
) -> std::io::Result<(BlobResult, u64, bool)> {
    let s = stream(matcher, origin, reader, chunk, buf, verifier, layer, None)?;
    Ok((s.result, s.bytes, s.binary_at.is_some()))
}

/// What [`scan_stream_bounded`] read.
#[derive(Debug, Default)]
pub struct StreamScan {
    /// Findings in what was scanned.
    pub result: BlobResult,
    /// Bytes read.
    pub bytes: u64,
    /// Where binary data that stopped the scan starts (0: the stream is binary from the
    /// start and nothing was scanned); `None` when the stream was read to its end.
    pub binary_at: Option<u64>,
}

impl StreamScan {
    /// The reason to list the stream in the report's `skipped`, when binary data stopped it.
    pub fn binary_reason(&self) -> Option<String> {
        let at = self.binary_at?;
        Some(if at == 0 {
            format!(
                "binary stream (a NUL byte in its first 8 KiB); not scanned, reading stopped after {} bytes",
                self.bytes
            )
        } else {
            format!(
                "binary data from byte {at} on, for {} bytes or more; reading stopped after {} bytes, the text before it was scanned",
                STREAM_BINARY_BOUND, self.bytes
            )
        })
    }
}

/// Scans a stream that may never end (stdin, a named pipe, a device) like [`scan_stream`],
/// but stops reading once it is binary from the start (checked on the first chunk) or yields
/// at least [`STREAM_BINARY_BOUND`] bytes of binary chunks in a row: `/dev/zero` ends promptly.
pub fn scan_stream_bounded(
    matcher: &Matcher,
    origin: &Origin<'_>,
    reader: &mut dyn Read,
    chunk: usize,
    buf: &mut Vec<u8>,
    verifier: Option<&dyn Verifier>,
) -> std::io::Result<StreamScan> {
    stream(
        matcher,
        origin,
        reader,
        chunk,
        buf,
        verifier,
        None,
        Some(STREAM_BINARY_BOUND),
    )
}

/// Scans `reader` (stdin, named `name` in findings) like a file given to [`scan_paths`]:
/// bounded memory, stopped when binary (then listed as skipped), and adds the result and its
/// counts to `outcome`.
pub fn scan_stream_into(
    matcher: &Matcher,
    name: &str,
    reader: &mut dyn Read,
    opts: &ScanOptions,
    outcome: &mut ScanOutcome,
) -> std::io::Result<()> {
    let origin = Origin {
        path: name,
        rel_path: name,
        commit: None,
        date: None,
        inner: None,
        cells: None,
    };
    let mut buf = Vec::new();
    let scanned = scan_stream_bounded(
        matcher,
        &origin,
        reader,
        opts.chunk_size,
        &mut buf,
        opts.verifier.as_deref(),
    )?;
    if let Some(reason) = scanned.binary_reason() {
        outcome.stats.skipped_binary += 1;
        outcome.skipped.push(Skipped {
            path: name.to_string(),
            reason,
        });
    } else {
        outcome.stats.files += 1;
        outcome.stats.blobs += 1;
        outcome.stats.bytes += scanned.bytes;
    }
    let result = scanned.result;
    outcome.stats.suppressed += result.suppressed.len() as u64;
    outcome.findings.extend(result.findings);
    outcome.suppressed.extend(result.suppressed);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn stream(
    matcher: &Matcher,
    origin: &Origin<'_>,
    reader: &mut dyn Read,
    chunk: usize,
    buf: &mut Vec<u8>,
    verifier: Option<&dyn Verifier>,
    layer: Option<&'static str>,
    binary_bound: Option<u64>,
) -> std::io::Result<StreamScan> {
    let chunk = chunk.max(CHUNK_OVERLAP * 2);
    let mut result = BlobResult::default();
    let mut base = Base::default();
    let mut total: u64 = 0;
    let mut first = true;
    // Binary bytes read in a row (whole chunks), and where that run started.
    let mut binary_run: u64 = 0;
    let mut binary_from: u64 = 0;
    buf.clear();
    loop {
        let want = chunk - buf.len();
        let kept = buf.len();
        let got = reader.take(want as u64).read_to_end(buf)?;
        let start = total;
        total += got as u64;
        let eof = got < want;
        if first {
            first = false;
            if is_binary(buf) {
                if binary_bound.is_none() {
                    // A file: drain to count bytes without holding them.
                    total += std::io::copy(reader, &mut std::io::sink())?;
                }
                return Ok(StreamScan {
                    result,
                    bytes: total,
                    binary_at: Some(0),
                });
            }
        } else if let Some(bound) = binary_bound {
            let new = buf.get(kept..).unwrap_or_default();
            if !new.is_empty() && memchr::memchr(0, &new[..new.len().min(BINARY_SNIFF)]).is_some() {
                if binary_run == 0 {
                    binary_from = start;
                }
                binary_run += new.len() as u64;
            } else {
                binary_run = 0;
            }
            if binary_run >= bound {
                return Ok(StreamScan {
                    result,
                    bytes: total,
                    binary_at: Some(binary_from),
                });
            }
        }
        let limit = if eof {
            usize::MAX
        } else {
            buf.len() - CHUNK_OVERLAP
        };
        let text = Text {
            base,
            report_limit: limit,
            layer,
            ..Text::whole(buf)
        };
        result.extend(scan_text(matcher, origin, &text, verifier));
        if eof {
            return Ok(StreamScan {
                result,
                bytes: total,
                binary_at: None,
            });
        }
        // Keep the overlap; advance the base past the consumed part.
        let consumed = buf.len() - CHUNK_OVERLAP;
        let head = &buf[..consumed];
        let newlines = memchr::memchr_iter(b'\n', head).count();
        if let Some(last) = memchr::memrchr(b'\n', head) {
            base.line_start = base.offset + last + 1;
        }
        base.line += newlines;
        base.offset += consumed;
        buf.drain(..consumed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher() -> Matcher {
        let mut set = zerokey_core::RuleSet::default();
        let rule = r#"[[rules]]
id = "tok"
name = "token"
severity = "high"
confidence = "medium"
keywords = ["tok_"]
pattern = '\b(tok_[a-z0-9]{12})\b'
"#;
        set.add_file("t.toml", rule)
            .unwrap_or_else(|e| panic!("{e}"));
        Matcher::new(&set).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Secrets straddling every chunk boundary are found once, with lines and columns as in
    /// a whole-file scan.
    #[test]
    fn chunked_stream_matches_whole_blob_scan() {
        let m = matcher();
        let chunk = 2 * CHUNK_OVERLAP;
        let mut text = Vec::new();
        let mut n = 0;
        while text.len() < 5 * chunk {
            // Lines of varying length so tokens land on and around the chunk edges.
            text.extend_from_slice(format!("line {n} ").as_bytes());
            text.extend(std::iter::repeat_n(b'.', (n * 7919) % 3000));
            let id = (n as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 16;
            text.extend_from_slice(format!(" tok_{id:012x}\n").as_bytes());
            n += 1;
        }
        let origin = Origin {
            path: "big",
            rel_path: "big",
            commit: None,
            date: None,
            inner: None,
            cells: None,
        };
        let whole = crate::scan_blob(&m, &origin, &text);
        let mut buf = Vec::new();
        let (streamed, read, binary) =
            scan_stream(&m, &origin, &mut text.as_slice(), chunk, &mut buf, None)
                .unwrap_or_else(|e| panic!("{e}"));
        assert!(!binary);
        assert_eq!(read, text.len() as u64);
        assert_eq!(whole.findings.len(), n);
        let pos = |r: &BlobResult| -> Vec<(usize, usize)> {
            r.findings.iter().map(|f| (f.line, f.column)).collect()
        };
        assert_eq!(pos(&streamed), pos(&whole));
    }

    #[test]
    fn binary_detection() {
        assert!(is_binary(b"\x7fELF\0\0\0"));
        assert!(!is_binary(b"plain text"));
    }

    #[test]
    fn a_stream_is_counted_like_a_file() {
        let m = matcher();
        let mut outcome = ScanOutcome::default();
        let text = b"key = tok_9e3779b97f4a\n";
        scan_stream_into(
            &m,
            "-",
            &mut &text[..],
            &ScanOptions::default(),
            &mut outcome,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(outcome.findings.len(), 1);
        assert_eq!(outcome.findings[0].path, "-");
        assert_eq!(outcome.findings[0].line, 1);
        assert_eq!((outcome.stats.files, outcome.stats.blobs), (1, 1));
        assert_eq!(outcome.stats.bytes, text.len() as u64);
        let binary = [0u8; 4096];
        scan_stream_into(
            &m,
            "-",
            &mut &binary[..],
            &ScanOptions::default(),
            &mut outcome,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(outcome.stats.skipped_binary, 1);
        assert_eq!(outcome.skipped.len(), 1);
        assert_eq!(outcome.skipped[0].path, "-");
        assert_eq!(outcome.stats.files, 1);
    }
}
