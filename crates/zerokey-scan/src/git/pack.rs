//! Reading a whole history pack by pack: every blob entry of every pack file decoded once, in
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
    let blobs = blob_entries(data.path(), &index, &entries, hash).map_err(one_line)?;
    drop(entries);
    let interrupt = AtomicBool::new(false);
    let tree = pack::cache::delta::Tree::from_offsets_in_pack(
        data.path(),
        blobs.into_iter(),
        &|&i| index.pack_offset_at_index(i),
        &|id| Ok(index.lookup(id).map(|i| index.pack_offset_at_index(i))),
        &mut gix::progress::Discard,
        &interrupt,
        hash,
    )
    .map_err(one_line)?;
    Ok(IndexedPack { index, data, tree })
}

/// What an entry of a pack holds once its delta chain is resolved.
#[derive(Clone, Copy, PartialEq, Eq)]
enum EntryKind {
    /// Not known yet: a delta whose base comes later in the pack (by id).
    Unknown,
    Blob,
    /// A commit, tree or tag, or an entry whose base is not in the pack.
    Other,
}

/// The entries of `sorted` (index numbers in pack order) that hold a blob, in pack order.
///
/// A delta holds what its base holds (git deltifies an object only against one of its own
/// type), so one pass over the entry headers, in pack order, names every entry's kind: a base
/// comes before its offset deltas; a delta by id whose base comes later is settled afterwards.
/// Commits and trees are then left out of the delta tree: the traversal decodes only blobs, and
/// never touches the part of the pack that holds commits and trees. A delta whose base is not in
/// the pack is left out too (its blob is read by id, which reports it).
fn blob_entries(
    pack_path: &Path,
    index: &pack::index::File,
    sorted: &[u32],
    hash: gix::hash::Kind,
) -> std::io::Result<Vec<u32>> {
    use pack::data::entry::Header;
    use std::io::{BufReader, Read};
    let offsets: Vec<u64> = sorted
        .iter()
        .map(|&i| index.pack_offset_at_index(i))
        .collect();
    let position = |offset: u64| offsets.binary_search(&offset).ok();
    let mut kinds = vec![EntryKind::Unknown; offsets.len()];
    // (entry, its base): deltas by id whose base comes later in the pack.
    let mut later: Vec<(usize, usize)> = Vec::new();
    let mut r = BufReader::with_capacity(1 << 16, std::fs::File::open(pack_path)?);
    let mut at: u64 = 0;
    let mut first_is_base = false;
    for (p, &offset) in offsets.iter().enumerate() {
        let skip = offset.checked_sub(at).and_then(|n| i64::try_from(n).ok());
        let Some(skip) = skip else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("pack entries overlap at offset {offset}"),
            ));
        };
        r.seek_relative(skip)?;
        let entry =
            pack::data::Entry::from_read(&mut r as &mut dyn Read, offset, hash.len_in_bytes())?;
        at = offset + entry.header_size() as u64;
        if p == 0 {
            first_is_base = entry.header.is_base();
        }
        let base_kind = |base: Option<usize>, kinds: &[EntryKind]| {
            base.and_then(|b| kinds.get(b).copied())
                .unwrap_or(EntryKind::Other)
        };
        let kind = match entry.header {
            Header::Blob => EntryKind::Blob,
            Header::Commit | Header::Tree | Header::Tag => EntryKind::Other,
            Header::OfsDelta { base_distance } => {
                let base = Header::verified_base_pack_offset(offset, base_distance)
                    .and_then(position)
                    .filter(|&b| b < p);
                base_kind(base, &kinds)
            }
            Header::RefDelta { base_id } => {
                let base = index
                    .lookup(base_id)
                    .map(|i| index.pack_offset_at_index(i))
                    .and_then(position);
                match base {
                    Some(b) if b > p => {
                        later.push((p, b));
                        EntryKind::Unknown
                    }
                    _ => base_kind(base, &kinds),
                }
            }
        };
        if let Some(k) = kinds.get_mut(p) {
            *k = kind;
        }
    }
    // Each round settles at least the first entry of every chain of later bases; a cycle
    // (a corrupt pack) stays unknown and is left out.
    for _ in 0..later.len() {
        let mut changed = false;
        for &(p, b) in &later {
            let base = kinds.get(b).copied().unwrap_or(EntryKind::Other);
            if base != EntryKind::Unknown && kinds.get(p) == Some(&EntryKind::Unknown) {
                if let Some(k) = kinds.get_mut(p) {
                    *k = base;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    // The delta tree is read from the pack's first entry on: that entry stays in, a commit or a
    // tree decoded for nothing. Should it be a delta (by id), every entry stays in.
    if !first_is_base {
        return Ok(sorted.to_vec());
    }
    Ok(sorted
        .iter()
        .zip(&kinds)
        .enumerate()
        .filter(|(p, (_, k))| *p == 0 || **k == EntryKind::Blob)
        .map(|(_, (&i, _))| i)
        .collect())
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

    /// The delta tree holds the pack's blobs (deltas included) and its first entry, nothing
    /// else: commits and trees are not decoded.
    #[test]
    fn blob_entries_are_the_packs_blobs_and_its_first_entry() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let d = dir.path();
        git(d, &["init", "-q", "-b", "main"]);
        let mut text = String::new();
        for i in 0..20 {
            text.push_str(&format!("line {i} of a file that grows\n"));
            std::fs::create_dir_all(d.join("sub")).unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(d.join("sub/f.txt"), &text).unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(d.join("g.txt"), format!("{i}\n{text}"))
                .unwrap_or_else(|e| panic!("{e}"));
            git(d, &["add", "-A"]);
            git(d, &["commit", "-q", "-m", "c"]);
        }
        git(d, &["gc", "-q", "--aggressive", "--prune=now"]);
        let idx = pack_indices(&d.join(".git/objects"));
        assert_eq!(idx.len(), 1);
        let index =
            pack::index::File::at(&idx[0], gix::hash::Kind::Sha1).unwrap_or_else(|e| panic!("{e}"));
        let mut sorted: Vec<u32> = (0..index.num_objects()).collect();
        sorted.sort_by_key(|&i| index.pack_offset_at_index(i));
        let chosen = blob_entries(
            &idx[0].with_extension("pack"),
            &index,
            &sorted,
            gix::hash::Kind::Sha1,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let kind = |i: u32| {
            git(d, &["cat-file", "-t", &index.oid_at_index(i).to_string()])
                .trim()
                .to_string()
        };
        let blobs: Vec<u32> = sorted
            .iter()
            .copied()
            .filter(|&i| kind(i) == "blob")
            .collect();
        assert_eq!(blobs.len(), 40);
        let mut want = blobs.clone();
        if kind(sorted[0]) != "blob" {
            want.insert(0, sorted[0]);
        }
        assert_eq!(chosen, want);
        let deltas = git(d, &["verify-pack", "-v", &idx[0].to_string_lossy()]);
        assert!(
            deltas
                .lines()
                .any(|l| l.contains(" blob ") && l.split_whitespace().count() == 7),
            "the test pack must hold blob deltas"
        );
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
