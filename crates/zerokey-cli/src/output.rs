//! Where results go: stdout, or a file written atomically (temp file in the same directory,
//! then rename), so a failed run never leaves a half-written report. Devices and pipes are
//! written in place; symlinks are followed.

use anyhow::Context as _;
use std::io::Write;
use std::path::Path;

/// Runs `write` against stdout, or against `path` atomically.
pub fn emit(
    path: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    match path {
        None => {
            let stdout = std::io::stdout();
            let mut lock = std::io::BufWriter::new(stdout.lock());
            write(&mut lock)?;
            lock.flush()?;
            Ok(())
        }
        Some(path) => {
            // A device, FIFO or socket (`/dev/null`, `/dev/stdout`, a pipe) is written in
            // place: renaming a temp file over it would replace the device with a file.
            if let Ok(meta) = std::fs::metadata(path) {
                if !meta.is_file() {
                    let file = fs_err::OpenOptions::new().write(true).open(path)?;
                    let mut w = std::io::BufWriter::new(file);
                    write(&mut w).with_context(|| format!("cannot write {}", path.display()))?;
                    w.flush()?;
                    return Ok(());
                }
            }
            // A symlink is followed, so the link stays and its target gets the report.
            let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            let dir = match target.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            let mut tmp = tempfile::Builder::new()
                .prefix(".zerokey-report")
                .tempfile_in(dir)
                .with_context(|| format!("cannot write {}", path.display()))?;
            {
                let mut w = std::io::BufWriter::new(tmp.as_file_mut());
                write(&mut w).with_context(|| format!("cannot write {}", path.display()))?;
                w.flush()?;
            }
            tmp.persist(&target)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(())
        }
    }
}

/// True if the error is a closed stdout (e.g. `| head`), which is not a failure.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
