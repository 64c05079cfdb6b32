//! Reading a whole history pack by pack: every blob entry of every pack file decoded once, in
//! delta-tree order (a base is inflated once and each delta is applied to it once, as `git
//! index-pack` and gix's pack verification do), instead of one lookup per blob id that resolves
//! the blob's delta chain again from the nearest cached base.
//!
//! Only blobs are decoded: one pass over the entry headers names each entry's kind and delta
//! family, and the blob entries are split into groups of whole families, each with its own delta
//! tree. A group's entries are read into memory, decoded and dropped before the next group is
//! read, so memory holds one group of compressed bytes, not the whole pack.
//!
//! The pack files are listed from `objects/pack`; a pack whose index cannot be read, a pack
//! whose traversal stops at a corrupt entry, loose objects and objects in alternates are not
//! read here: their blobs stay unread and the caller reads them by id, which names the object
//! that cannot be read.

use super::one_line;
use gix::odb::pack;
use gix::ObjectId;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// A pack file with its index and its blob entries in groups of whole delta families: for each
/// group, its delta tree (each item: the entry's number in the index) and where its entries are.
pub(super) struct IndexedPack {
    index: pack::index::File,
    path: PathBuf,
    groups: Vec<(pack::cache::delta::Tree<u32>, Vec<Span>)>,
}

/// Where an entry is in the pack file: its offset and length.
#[derive(Clone, Copy)]
struct Span {
    offset: u64,
    len: u64,
}

/// About how many bytes of pack a group of delta families holds. A group's entries are read
/// into memory, decoded, and dropped before the next group: the pack is never mapped, so memory
/// holds one group's compressed bytes instead of every page of the pack the traversal touched
/// (a pack interleaves the entries of many families; on curl's history mapping the pack made
/// 135 MB of it resident).
const GROUP_BYTES: u64 = 24 << 20;

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

/// Opens every pack of `objects_dir` and groups its blob entries (reads each entry's header
/// once). A pack that cannot be opened or read is left out (logged): its blobs are then read by
/// id.
pub(super) fn index_packs(objects_dir: &Path, hash: gix::hash::Kind) -> Vec<IndexedPack> {
    index_packs_in_groups(objects_dir, hash, GROUP_BYTES)
}

/// [`index_packs`] with groups of about `group_bytes`.
fn index_packs_in_groups(
    objects_dir: &Path,
    hash: gix::hash::Kind,
    group_bytes: u64,
) -> Vec<IndexedPack> {
    let mut out = Vec::new();
    for idx_path in pack_indices(objects_dir) {
        match index_pack(&idx_path, hash, group_bytes) {
            Ok(p) => out.push(p),
            Err(message) => tracing::debug!(
                pack = %idx_path.display(),
                "not read in pack order (its objects are read one by one): {message}"
            ),
        }
    }
    out
}

fn index_pack(
    idx_path: &Path,
    hash: gix::hash::Kind,
    group_bytes: u64,
) -> Result<IndexedPack, String> {
    let index = pack::index::File::at(idx_path, hash).map_err(one_line)?;
    let path = idx_path.with_extension("pack");
    let data = pack::data::File::at(&path, hash).map_err(one_line)?;
    if index.num_objects() != data.num_objects() {
        return Err(format!(
            "index lists {} objects, pack holds {}",
            index.num_objects(),
            data.num_objects()
        ));
    }
    let end = data.pack_end() as u64;
    drop(data);
    // Entries in pack order: index numbers and offsets.
    let mut entries: Vec<u32> = (0..index.num_objects()).collect();
    entries.sort_by_key(|&i| index.pack_offset_at_index(i));
    let offsets: Vec<u64> = entries
        .iter()
        .map(|&i| index.pack_offset_at_index(i))
        .collect();
    let groups = blob_groups(&path, &index, &offsets, end, hash, group_bytes).map_err(one_line)?;
    let interrupt = AtomicBool::new(false);
    let mut trees = Vec::with_capacity(groups.len());
    for group in groups {
        // An entry's span runs to the next entry of the pack (the last one's: to the checksum).
        let spans: Vec<Span> = group
            .iter()
            .map(|&p| {
                let offset = offsets[p as usize];
                let next = offsets.get(p as usize + 1).copied().unwrap_or(end);
                Span {
                    offset,
                    len: next.saturating_sub(offset),
                }
            })
            .collect();
        let tree = pack::cache::delta::Tree::from_offsets_in_pack(
            &path,
            group.into_iter().map(|p| entries[p as usize]),
            &|&i| index.pack_offset_at_index(i),
            &|id| Ok(index.lookup(id).map(|i| index.pack_offset_at_index(i))),
            &mut gix::progress::Discard,
            &interrupt,
            hash,
        )
        .map_err(one_line)?;
        trees.push((tree, spans));
    }
    Ok(IndexedPack {
        index,
        path,
        groups: trees,
    })
}

/// One group's entries, read from the pack file: the traversal's view of the pack.
struct GroupData {
    /// Entry offsets in the pack, ascending, and where each entry starts in `bytes`.
    offsets: Vec<u64>,
    starts: Vec<usize>,
    bytes: Vec<u8>,
}

/// Runs of entries at most this far apart are read with one call (the bytes between them are
/// read and dropped); farther entries start a new read.
const READ_GAP: u64 = 16 << 10;
/// A run stops growing at this many bytes, so that the read buffer stays small next to the
/// group's (an entry larger than this is still read whole).
const READ_RUN: u64 = 1 << 20;

impl GroupData {
    /// Reads the entries at `spans` (in pack order) from `file`.
    fn read(file: &mut std::fs::File, spans: &[Span]) -> std::io::Result<Self> {
        use std::io::{Read, Seek, SeekFrom};
        let total: u64 = spans.iter().map(|s| s.len).sum();
        let mut bytes = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
        let mut offsets = Vec::with_capacity(spans.len());
        let mut starts = Vec::with_capacity(spans.len());
        let mut run: Vec<u8> = Vec::new();
        let mut i = 0;
        while i < spans.len() {
            // A run: spans[i..j], each within READ_GAP of the previous one's end.
            let first = spans[i].offset;
            let mut end = first + spans[i].len;
            let mut j = i + 1;
            while j < spans.len()
                && spans[j].offset <= end + READ_GAP
                && spans[j].offset >= end
                && end - first < READ_RUN
            {
                end = spans[j].offset + spans[j].len;
                j += 1;
            }
            let len = usize::try_from(end - first)
                .map_err(|_| std::io::Error::other("pack entry too large"))?;
            run.resize(len, 0);
            file.seek(SeekFrom::Start(first))?;
            file.read_exact(&mut run)?;
            for s in &spans[i..j] {
                let from = (s.offset - first) as usize;
                let to = from + s.len as usize;
                offsets.push(s.offset);
                starts.push(bytes.len());
                bytes.extend_from_slice(run.get(from..to).unwrap_or_default());
            }
            i = j;
        }
        starts.push(bytes.len());
        Ok(GroupData {
            offsets,
            starts,
            bytes,
        })
    }

    /// The bytes of the entry at `offset`.
    fn entry(&self, offset: u64) -> Option<&[u8]> {
        let i = self.offsets.binary_search(&offset).ok()?;
        self.bytes
            .get(*self.starts.get(i)?..*self.starts.get(i + 1)?)
    }
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

/// No entry: a root not known yet.
const NONE: u32 = u32::MAX;

/// The blob entries of a pack, given its entries' `offsets` in pack order, in groups of whole
/// delta families (a base and every delta resolved from it), each group about `group_bytes` of
/// pack and in pack order; an entry is named by its position in `offsets`.
///
/// A delta holds what its base holds (git deltifies an object only against one of its own
/// type), so one pass over the entry headers, in pack order, names every entry's kind and the
/// root of its family: a base comes before its offset deltas; a delta by id whose base comes
/// later is settled afterwards. Commits and trees are left out: the traversal decodes only
/// blobs, and never touches the part of the pack that holds commits and trees. A delta whose
/// base is not in the pack is left out too (its blob is read by id, which reports it).
///
/// gix builds a delta tree from the pack's first entry on, so every group starts with it (a
/// commit or a tree decoded for nothing); should that entry be a delta, every entry of the pack
/// is one group.
fn blob_groups(
    pack_path: &Path,
    index: &pack::index::File,
    offsets: &[u64],
    pack_end: u64,
    hash: gix::hash::Kind,
    group_bytes: u64,
) -> std::io::Result<Vec<Vec<u32>>> {
    use pack::data::entry::Header;
    use std::io::{BufReader, Read};
    let position = |offset: u64| offsets.binary_search(&offset).ok();
    let mut kinds = vec![EntryKind::Unknown; offsets.len()];
    let mut roots = vec![NONE; offsets.len()];
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
        let base = match entry.header {
            Header::Blob => {
                kinds[p] = EntryKind::Blob;
                roots[p] = p as u32;
                continue;
            }
            Header::Commit | Header::Tree | Header::Tag => {
                kinds[p] = EntryKind::Other;
                continue;
            }
            Header::OfsDelta { base_distance } => {
                Header::verified_base_pack_offset(offset, base_distance)
                    .and_then(position)
                    .filter(|&b| b < p)
            }
            Header::RefDelta { base_id } => {
                let base = index
                    .lookup(base_id)
                    .map(|i| index.pack_offset_at_index(i))
                    .and_then(position);
                if let Some(b) = base.filter(|&b| b > p) {
                    later.push((p, b));
                    continue;
                }
                base
            }
        };
        match base {
            Some(b) => {
                kinds[p] = kinds[b];
                roots[p] = roots[b];
            }
            None => kinds[p] = EntryKind::Other,
        }
    }
    // Each round settles at least the first entry of every chain of later bases; a cycle
    // (a corrupt pack) stays unknown and is left out.
    for _ in 0..later.len() {
        let mut changed = false;
        for &(p, b) in &later {
            if kinds[b] != EntryKind::Unknown && kinds[p] == EntryKind::Unknown {
                kinds[p] = kinds[b];
                roots[p] = roots[b];
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    if !first_is_base {
        return Ok(vec![(0..offsets.len() as u32).collect()]);
    }
    // Blob entries by family (root position), families in pack order of their roots.
    let mut blobs: Vec<(u32, u32)> = (0..offsets.len())
        .filter(|&p| kinds[p] == EntryKind::Blob && roots[p] != NONE)
        .map(|p| (roots[p], p as u32))
        .collect();
    blobs.sort_unstable();
    let size = |p: usize| {
        let next = offsets.get(p + 1).copied().unwrap_or(pack_end);
        next.saturating_sub(offsets[p])
    };
    let mut groups: Vec<Vec<u32>> = Vec::new();
    let mut group: Vec<u32> = Vec::new();
    let mut bytes = 0u64;
    let mut i = 0;
    while i < blobs.len() {
        let root = blobs[i].0;
        let family_end = blobs[i..]
            .iter()
            .position(|&(r, _)| r != root)
            .map_or(blobs.len(), |n| i + n);
        if bytes >= group_bytes && !group.is_empty() {
            groups.push(std::mem::take(&mut group));
            bytes = 0;
        }
        for &(_, p) in &blobs[i..family_end] {
            group.push(p);
            bytes += size(p as usize);
        }
        i = family_end;
    }
    if !group.is_empty() {
        groups.push(group);
    }
    Ok(groups
        .into_iter()
        .map(|mut g| {
            g.sort_unstable();
            if g.first() != Some(&0) {
                g.insert(0, 0);
            }
            g
        })
        .collect())
}

/// No job: an entry of a pack that is not a blob to scan.
const NO_JOB: u32 = u32::MAX;

/// Decodes the blobs of `packs` on `threads` threads and calls `scan(j, bytes)` for each one
/// that is `jobs[j]`, once per job (a blob in two packs is scanned once). Returns, for each
/// job, whether it was scanned. A group of a pack whose traversal fails is logged; the blobs it
/// did not reach stay unscanned.
pub(super) fn scan_packs(
    packs: Vec<IndexedPack>,
    jobs: &[ObjectId],
    threads: usize,
    scan: &(dyn Fn(usize, &[u8]) + Sync),
) -> Vec<bool> {
    let done: Vec<AtomicBool> = jobs.iter().map(|_| AtomicBool::new(false)).collect();
    for IndexedPack {
        index,
        path,
        groups,
    } in packs
    {
        // Entry number in this pack's index -> job.
        let mut job_of = vec![NO_JOB; index.num_objects() as usize];
        for (j, id) in jobs.iter().enumerate() {
            let (Some(i), Ok(j)) = (index.lookup(id), u32::try_from(j)) else {
                continue;
            };
            if let Some(slot) = job_of.get_mut(i as usize) {
                *slot = j;
            }
        }
        let mut file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(pack = %path.display(), "pack not read in pack order: {e}");
                continue;
            }
        };
        for (tree, spans) in groups {
            let hash = index.object_hash();
            if let Err(message) =
                scan_group(&mut file, hash, tree, &spans, &job_of, &done, threads, scan)
            {
                tracing::warn!(
                    pack = %path.display(),
                    "pack not fully read in pack order (the rest is read one object at a time): {message}"
                );
            }
        }
    }
    done.into_iter().map(AtomicBool::into_inner).collect()
}

/// Reads one group's entries and decodes its delta tree.
#[allow(clippy::too_many_arguments)]
fn scan_group(
    file: &mut std::fs::File,
    hash: gix::hash::Kind,
    tree: pack::cache::delta::Tree<u32>,
    spans: &[Span],
    job_of: &[u32],
    done: &[AtomicBool],
    threads: usize,
    scan: &(dyn Fn(usize, &[u8]) + Sync),
) -> Result<(), String> {
    let data = GroupData::read(file, spans).map_err(one_line)?;
    let interrupt = AtomicBool::new(false);
    let inspect = move |item: &mut u32,
                        _: &dyn gix::Progress,
                        ctx: pack::cache::delta::traverse::Context<'_>| {
        if ctx.entry.header.as_kind() == Some(gix::objs::Kind::Blob) {
            let j = job_of.get(*item as usize).copied().unwrap_or(NO_JOB);
            if let Some(flag) = done.get(j as usize) {
                if !flag.swap(true, Ordering::AcqRel) {
                    scan(j as usize, ctx.decompressed);
                }
            }
        }
        Ok(())
    };
    let end = spans.last().map_or(0, |s| s.offset + s.len);
    tree.traverse(
        |range, data: &GroupData| data.entry(range.start),
        &data,
        end,
        inspect,
        pack::cache::delta::traverse::Options {
            object_progress: Box::new(gix::progress::Discard),
            size_progress: &mut gix::progress::Discard,
            thread_limit: Some(threads.max(1)),
            should_interrupt: &interrupt,
            object_hash: hash,
            alloc_limit_bytes: None,
        },
    )
    .map(|_| ())
    .map_err(one_line)
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

    /// The groups hold the pack's blobs (deltas included), each once, each group in pack order
    /// and led by the pack's first entry; nothing else: commits and trees are not decoded. A
    /// delta family is never split between groups.
    #[test]
    fn blob_groups_hold_the_packs_blobs_by_family() {
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
        let pack_path = idx[0].with_extension("pack");
        let index =
            pack::index::File::at(&idx[0], gix::hash::Kind::Sha1).unwrap_or_else(|e| panic!("{e}"));
        let data = pack::data::File::at(&pack_path, gix::hash::Kind::Sha1)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut sorted: Vec<u32> = (0..index.num_objects()).collect();
        sorted.sort_by_key(|&i| index.pack_offset_at_index(i));
        let kind = |i: u32| {
            git(d, &["cat-file", "-t", &index.oid_at_index(i).to_string()])
                .trim()
                .to_string()
        };
        let first = sorted[0];
        assert_ne!(kind(first), "blob", "git writes commits first");
        let blobs: Vec<u32> = sorted
            .iter()
            .copied()
            .filter(|&i| kind(i) == "blob")
            .collect();
        assert_eq!(blobs.len(), 40);
        let verify = git(d, &["verify-pack", "-v", &idx[0].to_string_lossy()]);
        // Blob id -> its base id (deltas only).
        let base_of: std::collections::HashMap<String, String> = verify
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .filter(|f| f.len() == 7 && f[1] == "blob")
            .map(|f| (f[0].to_string(), f[6].to_string()))
            .collect();
        assert!(!base_of.is_empty(), "the test pack must hold blob deltas");
        let end = data.pack_end() as u64;
        let pack_offsets: Vec<u64> = sorted
            .iter()
            .map(|&i| index.pack_offset_at_index(i))
            .collect();
        for group_bytes in [u64::MAX, 1] {
            // Positions in pack order, as index numbers.
            let groups: Vec<Vec<u32>> = blob_groups(
                &pack_path,
                &index,
                &pack_offsets,
                end,
                gix::hash::Kind::Sha1,
                group_bytes,
            )
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|g| g.into_iter().map(|p| sorted[p as usize]).collect())
            .collect();
            let mut all: Vec<u32> = Vec::new();
            let mut group_of = std::collections::HashMap::new();
            for (g, group) in groups.iter().enumerate() {
                assert_eq!(group.first(), Some(&first));
                let offsets: Vec<u64> = group
                    .iter()
                    .map(|&i| index.pack_offset_at_index(i))
                    .collect();
                assert!(offsets.windows(2).all(|w| w[0] < w[1]), "pack order");
                for &i in &group[1..] {
                    all.push(i);
                    group_of.insert(index.oid_at_index(i).to_string(), g);
                }
            }
            all.sort_unstable();
            let mut want = blobs.clone();
            want.sort_unstable();
            assert_eq!(all, want, "group_bytes {group_bytes}");
            for (blob, base) in &base_of {
                assert_eq!(group_of.get(blob), group_of.get(base), "{blob} {base}");
            }
            if group_bytes == 1 {
                // Two files: at least two families, each a group of its own.
                assert!(groups.len() >= 2);
            } else {
                assert_eq!(groups.len(), 1);
            }
        }
    }

    /// A group's entries read back exactly, whether they are next to each other (one read,
    /// cut at `READ_RUN`), a little apart (one read over the gap) or far apart.
    #[test]
    fn group_data_reads_each_entry_exactly() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("p");
        let content: Vec<u8> = (0..4_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&path, &content).unwrap_or_else(|e| panic!("{e}"));
        let mut spans = Vec::new();
        let mut at = 12u64;
        for len in [100u64, 600_000, 600_000, 600_000, 10, 5] {
            spans.push(Span { offset: at, len });
            at += len;
        }
        at += 1_000; // a small gap: same read
        spans.push(Span {
            offset: at,
            len: 50,
        });
        at += 50 + 100_000; // a large gap: a new read
        spans.push(Span {
            offset: at,
            len: 700,
        });
        let mut file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let data = GroupData::read(&mut file, &spans).unwrap_or_else(|e| panic!("{e}"));
        for s in &spans {
            let want = &content[s.offset as usize..(s.offset + s.len) as usize];
            assert_eq!(data.entry(s.offset), Some(want), "{}", s.offset);
        }
        assert_eq!(data.entry(13), None);
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
        // One group, and (one byte a group) a group per delta family.
        for group_bytes in [GROUP_BYTES, 1] {
            let packs =
                index_packs_in_groups(&d.join(".git/objects"), gix::hash::Kind::Sha1, group_bytes);
            assert_eq!(packs.len(), 1);
            let seen: Mutex<Vec<(ObjectId, Vec<u8>)>> = Mutex::new(Vec::new());
            let scan = |j: usize, data: &[u8]| {
                if let Ok(mut s) = seen.lock() {
                    s.push((blobs[j], data.to_vec()));
                }
            };
            let done = scan_packs(packs, &blobs, 2, &scan);
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
}
