//! Reading a whole history pack by pack: every entry of every pack file decoded once, in
//! delta-tree order (a base is inflated once and each delta is applied to it once, as `git
//! index-pack` and gix's pack verification do), instead of one lookup per blob id that resolves
//! the blob's delta chain again from the nearest cached base.
//!
//! The pack files are listed from `objects/pack`; a pack whose index cannot be read, a pack
//! whose traversal stops at a corrupt entry, loose objects and objects in alternates are not
//! read here: their blobs stay unread and the caller reads them by id, which names the object
//! that cannot be read.

use super::{one_line, Job};
use gix::hashtable::HashMap;
use gix::odb::pack;
use gix::ObjectId;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// A pack file with its index and the delta tree of its entries (each item: the entry's number
/// in the index, from which its object id is read when it has been decoded).
pub(super) struct IndexedPack {
    index: pack::index::File,
    data: pack::data::File,
    tree: pack::cache::delta::Tree<u32>,
}

/// The `.idx` files in `objects_dir/pack`, sorted by name.
fn pack_indices(objects_dir: &Path) -> Vec<PathBuf> {
    let Ok(dir) = std::fs::read_dir(objects_dir.join("pack")) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = dir
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "idx"))
        .collect();
    out.sort();
    out
}

/// Opens every pack of `objects_dir` and builds its delta tree (reads each entry's header
/// once). A pack that cannot be opened or indexed is left out (logged): its blobs are then
/// read by id.
pub(super) fn index_packs(objects_dir: &Path, hash: gix::hash::Kind) -> Vec<IndexedPack> {
    let mut out = Vec::new();
    for idx_path in pack_indices(objects_dir) {
        match index_pack(&idx_path, hash) {
            Ok(p) => out.push(p),
            Err(message) => tracing::debug!(
                pack = %idx_path.display(),
                "not read in pack order (its objects are read one by one): {message}"
            ),
        }
    }
    out
}

fn index_pack(idx_path: &Path, hash: gix::hash::Kind) -> Result<IndexedPack, String> {
    let index = pack::index::File::at(idx_path, hash).map_err(one_line)?;
    let data = pack::data::File::at(idx_path.with_extension("pack"), hash).map_err(one_line)?;
    if index.num_objects() != data.num_objects() {
        return Err(format!(
            "index lists {} objects, pack holds {}",
            index.num_objects(),
            data.num_objects()
        ));
    }
    let mut entries: Vec<u32> = (0..index.num_objects()).collect();
    entries.sort_by_key(|&i| index.pack_offset_at_index(i));
    let interrupt = AtomicBool::new(false);
    let tree = pack::cache::delta::Tree::from_offsets_in_pack(
        data.path(),
        entries.into_iter(),
        &|&i| index.pack_offset_at_index(i),
        &|id| Ok(index.lookup(id).map(|i| index.pack_offset_at_index(i))),
        &mut gix::progress::Discard,
        &interrupt,
        hash,
    )
    .map_err(one_line)?;
    Ok(IndexedPack { index, data, tree })
}

/// Decodes every entry of `packs` on `threads` threads and calls `scan(job, bytes)` for each
/// blob that is one of `jobs`, once per job (a blob in two packs is scanned once). Returns,
/// for each job, whether it was scanned. A pack whose traversal fails is logged; the blobs it
/// did not reach stay unscanned.
pub(super) fn scan_packs(
    packs: Vec<IndexedPack>,
    jobs: &[Job],
    threads: usize,
    scan: &(dyn Fn(&Job, &[u8]) + Sync),
) -> Vec<bool> {
    let by_id: HashMap<ObjectId, usize> = jobs.iter().enumerate().map(|(i, j)| (j.id, i)).collect();
    let done: Vec<AtomicBool> = jobs.iter().map(|_| AtomicBool::new(false)).collect();
    for IndexedPack { index, data, tree } in packs {
        let interrupt = AtomicBool::new(false);
        let (index, by_id, done) = (&index, &by_id, &done);
        let inspect = move |item: &mut u32,
                            _: &dyn gix::Progress,
                            ctx: pack::cache::delta::traverse::Context<'_>| {
            if ctx.entry.header.as_kind() == Some(gix::objs::Kind::Blob) {
                let id = index.oid_at_index(*item).to_owned();
                if let Some(&j) = by_id.get(&id) {
                    if let (Some(job), Some(flag)) = (jobs.get(j), done.get(j)) {
                        if !flag.swap(true, Ordering::AcqRel) {
                            scan(job, ctx.decompressed);
                        }
                    }
                }
            }
            Ok(())
        };
        let outcome = tree.traverse(
            |range, data: &pack::data::File| data.entry_slice(range),
            &data,
            data.pack_end() as u64,
            inspect,
            pack::cache::delta::traverse::Options {
                object_progress: Box::new(gix::progress::Discard),
                size_progress: &mut gix::progress::Discard,
                thread_limit: Some(threads.max(1)),
                should_interrupt: &interrupt,
                object_hash: index.object_hash(),
                alloc_limit_bytes: None,
            },
        );
        if let Err(e) = outcome {
            tracing::warn!(
                pack = %data.path().display(),
                "pack not fully read in pack order (the rest is read one object at a time): {}",
                one_line(e)
            );
        }
    }
    done.into_iter().map(AtomicBool::into_inner).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = std::process::Command::new("git")
            .current_dir(dir)
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Test")
            .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
            .env("GIT_COMMITTER_NAME", "Test")
            .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
            .output()
            .unwrap_or_else(|e| panic!("git {args:?}: {e}"));
        assert!(out.status.success(), "git {args:?}");
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    /// Every blob of a packed history comes out of the pack, once, with its exact bytes
    /// (deltas included: each version of the file is a delta of another).
    #[test]
    fn every_packed_blob_is_decoded_once_with_its_bytes() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let d = dir.path();
        git(d, &["init", "-q", "-b", "main"]);
        let mut text = String::new();
        for i in 0..30 {
            text.push_str(&format!(
                "line {i} of a file that grows a little every commit\n"
            ));
            std::fs::write(d.join("f.txt"), &text).unwrap_or_else(|e| panic!("{e}"));
            git(d, &["add", "-A"]);
            git(d, &["commit", "-q", "-m", "c"]);
        }
        git(d, &["gc", "-q", "--aggressive", "--prune=now"]);
        let blobs: Vec<ObjectId> = git(d, &["rev-list", "--objects", "--all"])
            .lines()
            .filter_map(|l| l.split_once(' '))
            .filter_map(|(id, _)| ObjectId::from_hex(id.as_bytes()).ok())
            .filter(|id| git(d, &["cat-file", "-t", &id.to_string()]).trim() == "blob")
            .collect();
        assert_eq!(blobs.len(), 30);
        let jobs: Vec<Job> = (0u64..)
            .zip(&blobs)
            .map(|(seq, id)| Job {
                seq,
                id: *id,
                paths: vec!["f.txt".to_string()],
                commit: None,
            })
            .collect();
        let packs = index_packs(&d.join(".git/objects"), gix::hash::Kind::Sha1);
        assert_eq!(packs.len(), 1);
        let seen: Mutex<Vec<(ObjectId, Vec<u8>)>> = Mutex::new(Vec::new());
        let scan = |job: &Job, data: &[u8]| {
            if let Ok(mut s) = seen.lock() {
                s.push((job.id, data.to_vec()));
            }
        };
        let done = scan_packs(packs, &jobs, 2, &scan);
        assert!(done.iter().all(|d| *d));
        let mut seen = seen.into_inner().unwrap_or_default();
        seen.sort();
        assert_eq!(seen.len(), 30);
        for (id, bytes) in seen {
            let want = git(d, &["cat-file", "blob", &id.to_string()]);
            assert_eq!(bytes, want.as_bytes(), "{id}");
        }
    }
}
