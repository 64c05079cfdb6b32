//! The git source: every blob reachable from the refs of a repository (history), or the blobs
//! staged in its index (pre-commit), each scanned once by a pool of workers.
//!
//! One thread walks commits oldest-first and their trees (a tree or blob id already seen is
//! skipped): each new blob is a job naming the commit that introduced it and its paths there.
//!
//! How blobs are read depends on the scan (see [`scan_history`]):
//! - the whole history (no `--branch`, `--since`, `--max-commits`): the walk collects its jobs
//!   while the pack files are indexed, then every pack is decoded once in delta-tree order
//!   ([`pack`]) and each blob that is a job is scanned as it is decoded; blobs no pack gave
//!   (loose objects, a corrupt pack) are then read by id as below;
//! - a restricted range and the index: each blob is read by id (gix resolves its delta chain
//!   through a bounded cache) by workers that each hold their own repository handle, fed
//!   through a bounded channel. Decoding every pack would cost the whole history for a few
//!   commits.
//!
//! Either way a job's findings are the same: the same bytes are scanned with the same paths,
//! commit and order number.

mod pack;

use crate::blob::{scan_blob_with, BlobResult, Origin};
use crate::files::{display, is_binary};
use crate::{PathError, Progress, ScanOutcome, Stats};
use crossbeam_channel::{Receiver, Sender};
use gix::bstr::{BStr, BString, ByteSlice};
use gix::hashtable::{HashMap, HashSet};
use gix::prelude::FindExt;
use gix::ObjectId;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;
use zerokey_core::Matcher;

/// Blobs waiting for a worker, per worker thread.
const QUEUE_PER_WORKER: usize = 64;
/// Object cache of the thread that walks commits and trees (each commit is read twice).
const WALK_OBJECT_CACHE: usize = 16 * 1024 * 1024;
/// Delta-base cache of each repository handle. gix defaults to 96 MB per handle, which would
/// make memory grow with the thread count; on curl's history 4–16 MB cost no measurable CPU.
const PACK_CACHE: usize = 8 * 1024 * 1024;

/// A thread-local handle with bounded caches.
fn handle(ts: &gix::ThreadSafeRepository, object_cache: usize) -> gix::Repository {
    let mut repo = ts.to_thread_local();
    repo.objects.set_pack_cache(|| {
        Box::new(gix::odb::pack::cache::lru::StaticLinkedList::<64>::new(
            PACK_CACHE,
        ))
    });
    repo.object_cache_size(object_cache);
    repo
}

/// Options of a history or staged scan.
#[derive(Debug, Clone)]
pub struct GitOptions {
    /// Walk only from this revision (a branch, tag or commit) instead of from all refs.
    pub branch: Option<String>,
    /// Only commits not reachable from this revision; blobs it already had are not new.
    pub since: Option<String>,
    /// At most this many commits, newest first (what they introduced is scanned).
    pub max_commits: Option<usize>,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Blobs larger than this are skipped (counted in stats).
    pub max_file_size: u64,
    /// Paths (in the repository) not scanned at all.
    pub exclude: Option<crate::suppress::PathGlobs>,
    /// Live verification of found credentials (`--verify`); none by default.
    pub verifier: Option<std::sync::Arc<dyn zerokey_core::verify::Verifier>>,
}

impl Default for GitOptions {
    fn default() -> Self {
        GitOptions {
            branch: None,
            since: None,
            max_commits: None,
            threads: 0,
            max_file_size: crate::ScanOptions::default().max_file_size,
            exclude: None,
            verifier: None,
        }
    }
}

impl GitOptions {
    fn threads(&self) -> usize {
        if self.threads > 0 {
            self.threads
        } else {
            std::thread::available_parallelism().map_or(1, usize::from)
        }
    }
}

/// A git scan that could not run. Every message names the repository path.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GitError {
    /// The path is not inside a git repository.
    #[error("{path}: not a git repository")]
    NotARepository {
        /// The path given.
        path: String,
    },
    /// The repository exists but cannot be opened (bad HEAD, config, …).
    #[error("{path}: cannot open git repository: {message}")]
    Open {
        /// The path given.
        path: String,
        /// The cause.
        message: String,
    },
    /// `--branch` or `--since` does not name a commit.
    #[error("{path}: unknown revision {rev:?}: {message}")]
    Revision {
        /// The repository path.
        path: String,
        /// The revision as given.
        rev: String,
        /// The cause.
        message: String,
    },
    /// A commit or tree that the walk needs cannot be read.
    #[error("{path}: corrupt object {id}: {message}")]
    Corrupt {
        /// The repository path.
        path: String,
        /// The object id.
        id: String,
        /// The cause.
        message: String,
    },
    /// The commit graph cannot be walked, or the index cannot be read.
    #[error("{path}: {message}")]
    Repository {
        /// The repository path.
        path: String,
        /// What failed.
        message: String,
    },
}

/// One line from a gix error (they can span several).
fn one_line(e: impl std::fmt::Display) -> String {
    e.to_string()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(": ")
}

/// Opens the repository containing `path`; `env` honours `GIT_DIR`, `GIT_INDEX_FILE` & co,
/// as git does for hooks.
fn open(path: &Path, env: bool) -> Result<gix::ThreadSafeRepository, GitError> {
    let shown = display(path);
    if std::fs::symlink_metadata(path).is_err() {
        return Err(GitError::NotARepository { path: shown });
    }
    let opened = if env {
        gix::ThreadSafeRepository::discover_with_environment_overrides(path)
    } else {
        gix::ThreadSafeRepository::discover(path)
    };
    opened.map_err(|e| {
        // Nothing that looks like a repository here or above: say so plainly.
        let looks_like_repo = path.ancestors().any(|p| {
            p.join(".git").exists() || (p.join("HEAD").is_file() && p.join("objects").is_dir())
        });
        if looks_like_repo {
            GitError::Open {
                path: shown,
                message: one_line(e),
            }
        } else {
            GitError::NotARepository { path: shown }
        }
    })
}

/// A commit as findings name it: its id and author time (seconds since the epoch), formatted
/// only when a blob is scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CommitInfo {
    id: ObjectId,
    time: Option<i64>,
}

/// Separates a blob's paths in [`Job::paths`] and [`JobTable`]: git paths never hold it.
const PATH_SEP: char = '\0';

/// `paths` as one string, separated by [`PATH_SEP`].
fn joined(paths: &[String]) -> Box<str> {
    paths.join(&PATH_SEP.to_string()).into()
}

/// One blob for a worker: its id, the paths where it first appeared, and where it came from.
struct Job {
    /// Send order: commits are walked parents first, so a lower number is an earlier sighting.
    seq: u64,
    id: ObjectId,
    /// The paths, separated by [`PATH_SEP`].
    paths: Box<str>,
    commit: Option<CommitInfo>,
}

impl Job {
    fn as_ref(&self) -> JobRef<'_> {
        JobRef {
            seq: self.seq,
            id: self.id,
            paths: &self.paths,
            commit: self.commit.as_ref(),
        }
    }
}

/// A job as [`scan_job`] reads it, from a [`Job`] or a row of a [`JobTable`].
#[derive(Clone, Copy)]
struct JobRef<'a> {
    seq: u64,
    id: ObjectId,
    paths: &'a str,
    commit: Option<&'a CommitInfo>,
}

impl<'a> JobRef<'a> {
    fn paths(&self) -> impl Iterator<Item = &'a str> {
        self.paths.split(PATH_SEP)
    }

    fn first_path(&self) -> &'a str {
        self.paths().next().unwrap_or_default()
    }
}

/// Every job of a whole-history walk, in walk order, held compactly while the packs are read
/// (on curl's history, 143k blobs): ids, one path string, and each commit once. Job `j` has
/// the order number `j + 1`.
#[derive(Default)]
struct JobTable {
    ids: Vec<ObjectId>,
    commit_of: Vec<u32>,
    commits: Vec<CommitInfo>,
    paths: String,
    path_ends: Vec<usize>,
}

impl JobTable {
    fn push(&mut self, commit: CommitInfo, id: ObjectId, paths: &[String]) {
        if self.commits.last() != Some(&commit) {
            self.commits.push(commit);
        }
        let c = u32::try_from(self.commits.len().saturating_sub(1)).unwrap_or(u32::MAX);
        self.ids.push(id);
        self.commit_of.push(c);
        for (i, path) in paths.iter().enumerate() {
            if i > 0 {
                self.paths.push(PATH_SEP);
            }
            self.paths.push_str(path);
        }
        self.path_ends.push(self.paths.len());
    }

    fn len(&self) -> usize {
        self.ids.len()
    }

    fn get(&self, j: usize) -> Option<JobRef<'_>> {
        let start = match j.checked_sub(1) {
            Some(before) => *self.path_ends.get(before)?,
            None => 0,
        };
        let end = *self.path_ends.get(j)?;
        let commit = self
            .commit_of
            .get(j)
            .and_then(|&c| self.commits.get(c as usize));
        Some(JobRef {
            seq: j as u64 + 1,
            id: *self.ids.get(j)?,
            paths: self.paths.get(start..end)?,
            commit,
        })
    }
}

#[derive(Default)]
struct Shared {
    blobs: AtomicU64,
    bytes: AtomicU64,
    skipped_binary: AtomicU64,
    skipped_large: AtomicU64,
    result: Mutex<Vec<(u64, BlobResult)>>,
    errors: Mutex<Vec<PathError>>,
}

impl Shared {
    fn add(&self, seq: u64, r: BlobResult) {
        if r.is_empty() {
            return;
        }
        if let Ok(mut all) = self.result.lock() {
            all.push((seq, r));
        }
    }

    fn error(&self, path: String, message: String) {
        tracing::warn!(path = %path, "{message}");
        if let Ok(mut e) = self.errors.lock() {
            e.push(PathError { path, message });
        }
    }
}

/// Scans every blob reachable from the refs of the repository at `repo_path` (all branches,
/// tags, remote-tracking refs and `HEAD`, or only `opts.branch`), each unique blob once. A
/// finding names the first commit (parents before children) whose tree held the blob, its
/// author date and the blob's path in that tree.
///
/// The whole history is read pack by pack, each delta chain resolved once (see the module
/// doc). When the commit range is restricted (`branch`, `since` or `max_commits`), or the
/// repository replaces objects (`refs/replace`), blobs are read by id instead, as
/// [`scan_history_by_id`] does: the range may need only a small part of the packs. The
/// findings, stats and errors are the same either way.
pub fn scan_history(
    matcher: &Matcher,
    repo_path: &Path,
    opts: &GitOptions,
    progress: &dyn Progress,
) -> Result<ScanOutcome, GitError> {
    let whole = opts.branch.is_none() && opts.since.is_none() && opts.max_commits.is_none();
    history(matcher, repo_path, opts, progress, whole)
}

/// [`scan_history`] reading every blob by id, whatever the range: the reader used for a
/// restricted range, kept public to compare the two readers (tests, benchmarks).
pub fn scan_history_by_id(
    matcher: &Matcher,
    repo_path: &Path,
    opts: &GitOptions,
    progress: &dyn Progress,
) -> Result<ScanOutcome, GitError> {
    history(matcher, repo_path, opts, progress, false)
}

fn history(
    matcher: &Matcher,
    repo_path: &Path,
    opts: &GitOptions,
    progress: &dyn Progress,
    by_pack: bool,
) -> Result<ScanOutcome, GitError> {
    let started = Instant::now();
    let shown = display(repo_path);
    let ts = open(repo_path, false)?;
    let repo = handle(&ts, WALK_OBJECT_CACHE);
    let (commits, boundary, unreadable) = select_commits(&repo, opts, &shown)?;
    tracing::debug!(
        repo = %shown,
        commits = commits.len(),
        boundary = boundary.len(),
        "history walk"
    );
    let by_pack = by_pack && repo.objects.store_ref().replacements().next().is_none();
    if by_pack {
        // Its caches are not needed any more: the walk and the pack reader have their own.
        drop(repo);
        // The walk reads commits and trees through `ts`'s object store, which maps the packs;
        // the pack reader maps them again. A second store for what is read afterwards lets
        // the first one, and its mapping, go with the walk: otherwise both mappings stay
        // resident (on curl's history, 100 MB more at the peak).
        let reader = open(repo_path, false)?;
        return history_by_pack(
            matcher, ts, &reader, opts, progress, started, &shown, commits, boundary, unreadable,
        );
    }
    let walker = Walker::new(&repo, &shown, opts.exclude.as_ref());
    run_pool(
        matcher,
        &ts,
        opts,
        progress,
        started,
        Shared::default(),
        move |tx| {
            let mut seq = 0;
            let excluded = walker.history(&commits, &boundary, &mut |commit, id, paths| {
                seq += 1;
                let job = Job {
                    seq,
                    id,
                    paths: joined(paths),
                    commit: Some(commit),
                };
                // False: every worker is gone, nothing more can be scanned.
                tx.send(job).is_ok()
            })?;
            let mut errors = unreadable;
            errors.extend(walker.errors.into_inner());
            Ok((excluded, errors))
        },
    )
}

/// The whole history, pack by pack: the tree walk (on its own thread, collecting every job)
/// runs while the packs are indexed; then the packs are decoded and each job's blob is scanned
/// as it comes out; the jobs no pack served are read by id by the worker pool.
#[allow(clippy::too_many_arguments)]
fn history_by_pack(
    matcher: &Matcher,
    walk_ts: gix::ThreadSafeRepository,
    ts: &gix::ThreadSafeRepository,
    opts: &GitOptions,
    progress: &dyn Progress,
    started: Instant,
    shown: &str,
    commits: Vec<ObjectId>,
    boundary: Vec<ObjectId>,
    unreadable: Vec<PathError>,
) -> Result<ScanOutcome, GitError> {
    let (walked, packs) = std::thread::scope(|s| {
        let walk = s.spawn(move || {
            let repo = handle(&walk_ts, WALK_OBJECT_CACHE);
            let walker = Walker::new(&repo, shown, opts.exclude.as_ref());
            let mut jobs = JobTable::default();
            let excluded = walker.history(&commits, &boundary, &mut |commit, id, paths| {
                jobs.push(commit, id, paths);
                true
            });
            excluded.map(|e| (e, jobs, walker.errors.into_inner()))
        });
        let packs = pack::index_packs(ts.objects_dir(), ts.to_thread_local().object_hash());
        let walked = walk.join().map_err(|_| GitError::Repository {
            path: shown.to_string(),
            message: "the history walk failed".to_string(),
        });
        (walked, packs)
    });
    let (excluded, jobs, walk_errors) = walked??;
    let mut errors = unreadable;
    errors.extend(walk_errors);
    tracing::debug!(
        repo = %shown,
        blobs = jobs.len(),
        packs = packs.len(),
        ms = started.elapsed().as_millis() as u64,
        "history walked, packs indexed"
    );
    let shared = Shared::default();
    let scan = |j: usize, data: &[u8]| {
        let Some(job) = jobs.get(j) else {
            return;
        };
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            scan_job(matcher, opts, progress, &shared, job, data);
        }));
        if run.is_err() {
            let path = job.first_path().to_string();
            shared.error(path, format!("blob {}: the scan failed", job.id));
        }
    };
    let done = pack::scan_packs(packs, &jobs.ids, opts.threads(), &scan);
    let rest: Vec<Job> = done
        .iter()
        .enumerate()
        .filter(|(_, done)| !**done)
        .filter_map(|(j, _)| jobs.get(j))
        .map(|job| Job {
            seq: job.seq,
            id: job.id,
            paths: job.paths.into(),
            commit: job.commit.copied(),
        })
        .collect();
    drop(jobs);
    tracing::debug!(
        repo = %shown,
        by_id = rest.len(),
        ms = started.elapsed().as_millis() as u64,
        "packs scanned"
    );
    run_pool(matcher, ts, opts, progress, started, shared, move |tx| {
        for job in rest {
            if tx.send(job).is_err() {
                break;
            }
        }
        Ok((excluded, errors))
    })
}

/// Scans what is staged in the index of the repository at `repo_path`: entries whose blob is
/// not the one at the same path in `HEAD`'s tree (new or modified files). In a repository with
/// no commit yet, every entry is staged. Findings have no commit.
pub fn scan_staged(
    matcher: &Matcher,
    repo_path: &Path,
    opts: &GitOptions,
    progress: &dyn Progress,
) -> Result<ScanOutcome, GitError> {
    let started = Instant::now();
    let shown = display(repo_path);
    let ts = open(repo_path, true)?;
    let repo = handle(&ts, WALK_OBJECT_CACHE);
    let walker = Walker::new(&repo, &shown, opts.exclude.as_ref());
    run_pool(
        matcher,
        &ts,
        opts,
        progress,
        started,
        Shared::default(),
        move |tx| {
            let excluded = walker.staged(tx)?;
            Ok((excluded, walker.errors.into_inner()))
        },
    )
}

/// Starts the workers, runs `enumerate` on this thread to feed them, and gathers the outcome
/// (with what `shared` already holds).
fn run_pool(
    matcher: &Matcher,
    ts: &gix::ThreadSafeRepository,
    opts: &GitOptions,
    progress: &dyn Progress,
    started: Instant,
    shared: Shared,
    enumerate: impl FnOnce(&Sender<Job>) -> Result<(u64, Vec<PathError>), GitError>,
) -> Result<ScanOutcome, GitError> {
    let threads = opts.threads();
    let (tx, rx) = crossbeam_channel::bounded::<Job>(threads * QUEUE_PER_WORKER);
    let walked = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let rx = rx.clone();
                let shared = &shared;
                s.spawn(move || worker(matcher, ts, opts, progress, rx, shared))
            })
            .collect();
        drop(rx);
        let walked = enumerate(&tx);
        drop(tx);
        for w in workers {
            if w.join().is_err() {
                shared.error(display(ts.path()), "a scan worker failed".to_string());
            }
        }
        walked
    });
    let (excluded, unreadable) = walked?;
    // Already logged where they were met.
    if let Ok(mut all) = shared.errors.lock() {
        all.extend(unreadable);
    }
    let mut result = first_sightings(shared.result.into_inner().unwrap_or_default());
    crate::sort_findings(&mut result.findings);
    result
        .suppressed
        .sort_by(|a, b| crate::finding_order(&a.finding, &b.finding));
    let mut errors = shared.errors.into_inner().unwrap_or_default();
    errors.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    let blobs = shared.blobs.load(Ordering::Relaxed);
    let suppressed = result.suppressed.len() as u64;
    Ok(ScanOutcome {
        findings: result.findings,
        suppressed: result.suppressed,
        stats: Stats {
            files: blobs,
            bytes: shared.bytes.load(Ordering::Relaxed),
            blobs,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            suppressed,
            skipped_binary: shared.skipped_binary.load(Ordering::Relaxed),
            skipped_too_large: shared.skipped_large.load(Ordering::Relaxed),
            skipped_excluded: excluded,
            errors: errors.len() as u64,
            ..Stats::default()
        },
        errors,
        skipped: Vec::new(),
    })
}

/// Keeps, for each fingerprint (rule, path, secret), only the findings of the blob where it was
/// first seen: a secret left in a file that later commits edit is one finding, naming the commit
/// that introduced the secret, not one per version of the file.
fn first_sightings(results: Vec<(u64, BlobResult)>) -> BlobResult {
    let mut first: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    for (seq, r) in &results {
        let prints = r.findings.iter().map(|f| &f.fingerprint);
        let prints = prints.chain(r.suppressed.iter().map(|s| &s.finding.fingerprint));
        for fp in prints {
            first
                .entry(fp.as_str())
                .and_modify(|s| *s = (*s).min(*seq))
                .or_insert(*seq);
        }
    }
    let first: std::collections::HashMap<String, u64> =
        first.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    let mut out = BlobResult::default();
    for (seq, r) in results {
        let keep = |fp: &String| first.get(fp) == Some(&seq);
        out.findings
            .extend(r.findings.into_iter().filter(|f| keep(&f.fingerprint)));
        out.suppressed.extend(
            r.suppressed
                .into_iter()
                .filter(|s| keep(&s.finding.fingerprint)),
        );
    }
    out
}

/// Reads and scans blobs until the channel closes.
fn worker(
    matcher: &Matcher,
    ts: &gix::ThreadSafeRepository,
    opts: &GitOptions,
    progress: &dyn Progress,
    rx: Receiver<Job>,
    shared: &Shared,
) {
    let repo = handle(ts, 0);
    let mut buf = Vec::new();
    for job in rx {
        let job = job.as_ref();
        let first = job.first_path();
        let at = |what: &str| match job.commit {
            Some(c) => format!("commit {}: {what} {}", c.id.to_hex_with_len(12), job.id),
            None => format!("{what} {}", job.id),
        };
        let header = match gix::odb::Header::try_header(&repo.objects, &job.id) {
            Ok(Some(h)) => h,
            Ok(None) => {
                shared.error(first.to_string(), at("missing blob"));
                continue;
            }
            Err(e) => {
                shared.error(
                    first.to_string(),
                    format!("{}: {}", at("corrupt blob"), one_line(e)),
                );
                continue;
            }
        };
        if header.size() > opts.max_file_size {
            shared.skipped_large.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(path = first, id = %job.id, "skipped: larger than --max-file-size");
            continue;
        }
        let data = match repo.objects.find_blob(&job.id, &mut buf) {
            Ok(b) => b.data,
            Err(e) => {
                shared.error(
                    first.to_string(),
                    format!("{}: {}", at("corrupt blob"), one_line(e)),
                );
                continue;
            }
        };
        scan_job(matcher, opts, progress, shared, job, data);
    }
}

/// Scans the bytes of a job's blob at each of its paths (or skips them: too large, binary).
fn scan_job(
    matcher: &Matcher,
    opts: &GitOptions,
    progress: &dyn Progress,
    shared: &Shared,
    job: JobRef<'_>,
    data: &[u8],
) {
    if data.len() as u64 > opts.max_file_size {
        shared.skipped_large.fetch_add(1, Ordering::Relaxed);
        let first = job.first_path();
        tracing::debug!(path = first, id = %job.id, "skipped: larger than --max-file-size");
        return;
    }
    if is_binary(data) {
        shared.skipped_binary.fetch_add(1, Ordering::Relaxed);
        return;
    }
    shared.blobs.fetch_add(1, Ordering::Relaxed);
    shared.bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
    let hex = job.commit.map(|c| c.id.to_string());
    let date = job.commit.and_then(|c| c.time).map(rfc3339_utc);
    let mut result = BlobResult::default();
    for (i, path) in job.paths().enumerate() {
        let o = Origin {
            path,
            rel_path: path,
            commit: hex.as_deref(),
            date: date.as_deref(),
            inner: None,
            cells: None,
        };
        let r = scan_blob_with(matcher, &o, data, opts.verifier.as_deref());
        // Findings do not depend on the path: a blob with none at its first path has none.
        let empty = r.is_empty();
        result.extend(r);
        if i == 0 && empty {
            break;
        }
    }
    shared.add(job.seq, result);
    progress.file_done(data.len() as u64);
}

fn short(hex: &str) -> &str {
    hex.get(..12).unwrap_or(hex)
}

/// The walking side: commit selection, tree traversal, the seen sets.
struct Walker<'r> {
    repo: &'r gix::Repository,
    shown: &'r str,
    exclude: Option<&'r crate::suppress::PathGlobs>,
    /// Commits and trees that could not be read: the walk goes on without them, and the
    /// report lists them (a scan that missed part of its input never says clean).
    errors: std::cell::RefCell<Vec<PathError>>,
}

/// Ids already walked, and those first met in the commit being walked (whose other paths
/// are still recorded).
#[derive(Default)]
struct Seen {
    trees: HashSet<ObjectId>,
    blobs: HashSet<ObjectId>,
    new_trees: HashSet<ObjectId>,
    new_blobs: HashMap<ObjectId, usize>,
    jobs: Vec<(ObjectId, Vec<String>)>,
    /// Trees and blobs met only at excluded paths (counted once each).
    excluded: HashSet<ObjectId>,
}

impl Seen {
    fn start_commit(&mut self) {
        self.new_trees.clear();
        self.new_blobs.clear();
        self.jobs.clear();
    }

    /// True if the tree must be walked: never seen, or first seen in this commit.
    fn enter_tree(&mut self, id: ObjectId) -> bool {
        if self.trees.insert(id) {
            self.new_trees.insert(id);
            true
        } else {
            self.new_trees.contains(&id)
        }
    }

    fn blob(&mut self, id: ObjectId, path: String, record: bool) {
        if self.blobs.insert(id) {
            if record {
                self.new_blobs.insert(id, self.jobs.len());
                self.jobs.push((id, vec![path]));
            }
        } else if let Some(&i) = self.new_blobs.get(&id) {
            if let Some(job) = self.jobs.get_mut(i) {
                job.1.push(path);
            }
        }
    }
}

impl<'r> Walker<'r> {
    fn new(
        repo: &'r gix::Repository,
        shown: &'r str,
        exclude: Option<&'r crate::suppress::PathGlobs>,
    ) -> Self {
        Walker {
            repo,
            shown,
            exclude,
            errors: std::cell::RefCell::new(Vec::new()),
        }
    }

    /// Records an object the walk could not read; `path` is where in the tree it was met
    /// (empty: the repository itself).
    fn unreadable(&self, path: &str, message: String) {
        let path = if path.is_empty() {
            self.shown.to_string()
        } else {
            path.to_string()
        };
        tracing::warn!(path = %path, "{message}");
        self.errors.borrow_mut().push(PathError { path, message });
    }

    fn excluded(&self, path: &str) -> bool {
        self.exclude
            .is_some_and(|g| !path.is_empty() && g.is_match(Path::new(path)))
    }

    fn corrupt(&self, id: impl std::fmt::Display, e: impl std::fmt::Display) -> GitError {
        GitError::Corrupt {
            path: self.shown.to_string(),
            id: id.to_string(),
            message: one_line(e),
        }
    }

    /// Walks `commits` (parents first) after marking what `boundary` commits hold as seen,
    /// and gives each new blob to `job` (the commit, the blob, its paths there) in walk order;
    /// stops when `job` returns false.
    fn history(
        &self,
        commits: &[ObjectId],
        boundary: &[ObjectId],
        job: &mut dyn FnMut(CommitInfo, ObjectId, &[String]) -> bool,
    ) -> Result<u64, GitError> {
        let mut seen = Seen::default();
        let mut buf = Vec::new();
        let mut tree_buf = Vec::new();
        for id in boundary {
            let Some((tree, _)) = self.readable_commit(id, &mut buf) else {
                continue;
            };
            self.walk_tree(id, tree, &mut seen, false, &mut tree_buf);
        }
        for id in commits {
            let Some((tree, time)) = self.readable_commit(id, &mut buf) else {
                continue;
            };
            if seen.trees.contains(&tree) {
                continue;
            }
            seen.start_commit();
            self.walk_tree(id, tree, &mut seen, true, &mut tree_buf);
            if seen.jobs.is_empty() {
                continue;
            }
            let info = CommitInfo { id: *id, time };
            for (blob, paths) in seen.jobs.drain(..) {
                if !job(info, blob, &paths) {
                    return Ok(seen.excluded.len() as u64);
                }
            }
        }
        Ok(seen.excluded.len() as u64)
    }

    /// [`Self::commit`], or `None` after recording why the commit cannot be read.
    fn readable_commit(&self, id: &ObjectId, buf: &mut Vec<u8>) -> Option<(ObjectId, Option<i64>)> {
        match self.commit(id, buf) {
            Ok(c) => Some(c),
            Err(GitError::Corrupt { message, .. }) => {
                self.unreadable("", format!("cannot read commit {id}: {message}"));
                None
            }
            Err(e) => {
                self.unreadable("", format!("cannot read commit {id}: {e}"));
                None
            }
        }
    }

    /// A commit's tree id and author time.
    fn commit(
        &self,
        id: &ObjectId,
        buf: &mut Vec<u8>,
    ) -> Result<(ObjectId, Option<i64>), GitError> {
        let commit = self
            .repo
            .objects
            .find_commit(id, buf)
            .map_err(|e| self.corrupt(id, e))?;
        let time = commit
            .author()
            .ok()
            .and_then(|a| a.time().ok())
            .map(|t| t.seconds);
        Ok((commit.tree(), time))
    }

    /// Walks a tree of `commit` depth-first, skipping subtrees already seen; records new
    /// blobs. A tree that cannot be read is listed in the errors and the walk goes on.
    fn walk_tree(
        &self,
        commit: &ObjectId,
        root: ObjectId,
        seen: &mut Seen,
        record: bool,
        buf: &mut Vec<u8>,
    ) {
        let mut stack: Vec<(ObjectId, String)> = vec![(root, String::new())];
        while let Some((id, prefix)) = stack.pop() {
            if self.excluded(&prefix) {
                seen.excluded.insert(id);
                continue;
            }
            if !seen.enter_tree(id) {
                continue;
            }
            let bad_tree = |e: &dyn std::fmt::Display| {
                self.unreadable(
                    &prefix,
                    format!(
                        "commit {}: cannot read tree {id}: {}",
                        short(&commit.to_string()),
                        one_line(e)
                    ),
                );
            };
            let tree = match self.repo.objects.find_tree_iter(&id, buf) {
                Ok(t) => t,
                Err(e) => {
                    bad_tree(&e);
                    continue;
                }
            };
            for entry in tree {
                let entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        bad_tree(&e);
                        break;
                    }
                };
                let path = join(&prefix, entry.filename);
                if entry.mode.is_tree() {
                    stack.push((entry.oid.to_owned(), path));
                } else if entry.mode.is_blob() {
                    if self.excluded(&path) {
                        seen.excluded.insert(entry.oid.to_owned());
                    } else {
                        seen.blob(entry.oid.to_owned(), path, record);
                    }
                }
                // Symbolic links hold a path and submodules a commit elsewhere: not scanned.
            }
        }
    }

    /// Sends the index entries whose blob differs from `HEAD`'s at the same path.
    fn staged(&self, tx: &Sender<Job>) -> Result<u64, GitError> {
        let index = self
            .repo
            .index_or_empty()
            .map_err(|e| GitError::Repository {
                path: self.shown.to_string(),
                message: format!("cannot read the index: {}", one_line(e)),
            })?;
        let head = self.head_blobs()?;
        let mut jobs: Vec<(ObjectId, Vec<String>)> = Vec::new();
        let mut by_id: HashMap<ObjectId, usize> = HashMap::default();
        let mut excluded = 0;
        for entry in index.entries() {
            use gix::index::entry::Mode;
            if !(entry.mode == Mode::FILE || entry.mode == Mode::FILE_EXECUTABLE)
                || entry
                    .flags
                    .contains(gix::index::entry::Flags::INTENT_TO_ADD)
            {
                continue;
            }
            let path = entry.path(&index);
            if head.get(path) == Some(&entry.id) {
                continue;
            }
            let shown = path.to_str_lossy().into_owned();
            if self.excluded(&shown) {
                excluded += 1;
                continue;
            }
            match by_id.get(&entry.id) {
                Some(&i) => {
                    if let Some(job) = jobs.get_mut(i) {
                        if !job.1.contains(&shown) {
                            job.1.push(shown);
                        }
                    }
                }
                None => {
                    by_id.insert(entry.id, jobs.len());
                    jobs.push((entry.id, vec![shown]));
                }
            }
        }
        for (seq, (id, paths)) in (0u64..).zip(jobs) {
            let job = Job {
                seq,
                id,
                paths: joined(&paths),
                commit: None,
            };
            if tx.send(job).is_err() {
                break;
            }
        }
        Ok(excluded)
    }

    /// Path -> blob id of every file in `HEAD`'s tree; empty when `HEAD` has no commit yet.
    fn head_blobs(&self) -> Result<std::collections::HashMap<BString, ObjectId>, GitError> {
        let mut out = std::collections::HashMap::new();
        let head = self.repo.head().map_err(|e| GitError::Repository {
            path: self.shown.to_string(),
            message: format!("cannot read HEAD: {}", one_line(e)),
        })?;
        let Some(head_id) = head.id() else {
            return Ok(out);
        };
        let mut buf = Vec::new();
        let (root, _) = self.commit(&head_id.detach(), &mut buf)?;
        let mut stack: Vec<(ObjectId, String)> = vec![(root, String::new())];
        while let Some((id, prefix)) = stack.pop() {
            let tree = self
                .repo
                .objects
                .find_tree_iter(&id, &mut buf)
                .map_err(|e| self.corrupt(id, e))?;
            for entry in tree {
                let entry = entry.map_err(|e| self.corrupt(id, e))?;
                let path = join(&prefix, entry.filename);
                if entry.mode.is_tree() {
                    stack.push((entry.oid.to_owned(), path));
                } else {
                    out.insert(BString::from(path), entry.oid.to_owned());
                }
            }
        }
        Ok(out)
    }
}

fn join(prefix: &str, name: &BStr) -> String {
    let name = name.to_str_lossy();
    if prefix.is_empty() {
        name.into_owned()
    } else {
        format!("{prefix}/{name}")
    }
}

/// Commits to walk, boundary commits, and what could not be read.
type Selection = (Vec<ObjectId>, Vec<ObjectId>, Vec<PathError>);

/// The commits to walk, parents before children, and the boundary: parents of those commits
/// that are not walked (their blobs count as already seen). Refs and commits that cannot be
/// read are returned as errors (naming the ref and the object id); the rest is walked.
fn select_commits(
    repo: &gix::Repository,
    opts: &GitOptions,
    shown: &str,
) -> Result<Selection, GitError> {
    let (tips, mut errors) = match &opts.branch {
        Some(rev) => (vec![resolve(repo, rev, shown)?], Vec::new()),
        None => all_tips(repo, shown)?,
    };
    let hidden = match &opts.since {
        Some(rev) => vec![resolve(repo, rev, shown)?],
        None => Vec::new(),
    };
    if tips.is_empty() {
        return Ok((Vec::new(), Vec::new(), errors));
    }
    let walk_error = |e: gix::Error| GitError::Repository {
        path: shown.to_string(),
        message: format!("cannot walk history: {}", one_line(e)),
    };
    let walk = repo
        .rev_walk(tips)
        .sorting(gix::revision::walk::Sorting::ByCommitTime(
            gix::traverse::commit::simple::CommitTimeOrder::NewestFirst,
        ))
        .with_hidden(hidden)
        .all()
        .map_err(walk_error)?;
    let mut ids: Vec<ObjectId> = Vec::new();
    let mut parents: Vec<Vec<ObjectId>> = Vec::new();
    for info in walk.take(opts.max_commits.unwrap_or(usize::MAX)) {
        let info = match info {
            Ok(i) => i,
            Err(e) => {
                // A commit the walk needs cannot be read: what is behind it is unreachable.
                let message = format!("cannot walk history: {}", one_line(e));
                tracing::warn!(repo = shown, "{message}");
                errors.push(PathError {
                    path: shown.to_string(),
                    message,
                });
                break;
            }
        };
        ids.push(info.id);
        parents.push(info.parent_ids.iter().copied().collect());
    }
    let (order, boundary) = topo_order(&ids, &parents);
    Ok((order, boundary, errors))
}

/// Orders `ids` so that every parent comes before its children (depth-first, post-order);
/// returns that order and the parents outside `ids`.
fn topo_order(ids: &[ObjectId], parents: &[Vec<ObjectId>]) -> (Vec<ObjectId>, Vec<ObjectId>) {
    let index: HashMap<ObjectId, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut boundary: HashSet<ObjectId> = HashSet::default();
    let mut local: Vec<Vec<usize>> = Vec::with_capacity(ids.len());
    for ps in parents {
        let mut l = Vec::with_capacity(ps.len());
        for p in ps {
            match index.get(p) {
                Some(&i) => l.push(i),
                None => {
                    boundary.insert(*p);
                }
            }
        }
        local.push(l);
    }
    let mut done = vec![false; ids.len()];
    let mut order = Vec::with_capacity(ids.len());
    let mut stack: Vec<(usize, usize)> = Vec::new();
    // Oldest-first start so the common case (linear history) needs a shallow stack.
    for start in (0..ids.len()).rev() {
        if done[start] {
            continue;
        }
        stack.push((start, 0));
        while let Some((node, next)) = stack.pop() {
            if done[node] {
                continue;
            }
            match local[node].get(next) {
                Some(&p) => {
                    stack.push((node, next + 1));
                    if !done[p] {
                        stack.push((p, 0));
                    }
                }
                None => {
                    done[node] = true;
                    order.push(ids[node]);
                }
            }
        }
    }
    let mut boundary: Vec<ObjectId> = boundary.into_iter().collect();
    boundary.sort();
    (order, boundary)
}

/// The commit a revision names (tags peeled).
fn resolve(repo: &gix::Repository, rev: &str, shown: &str) -> Result<ObjectId, GitError> {
    let err = |e: gix::Error| GitError::Revision {
        path: shown.to_string(),
        rev: rev.to_string(),
        message: one_line(e),
    };
    let id = repo.rev_parse_single(rev).map_err(err)?;
    let commit = id.object().map_err(err)?.peel_to_commit().map_err(err)?;
    Ok(commit.id)
}

/// Commits that refs and `HEAD` point to (tags peeled); refs to trees or blobs are skipped.
/// A ref that cannot be read or resolved, or that points at a missing or corrupt object, is an
/// error naming the ref and the object id (never skipped silently: the scan would miss history).
fn all_tips(
    repo: &gix::Repository,
    shown: &str,
) -> Result<(Vec<ObjectId>, Vec<PathError>), GitError> {
    let refs_error = |e: gix::Error| GitError::Repository {
        path: shown.to_string(),
        message: format!("cannot read refs: {}", one_line(e)),
    };
    let mut errors: Vec<PathError> = Vec::new();
    let mut error = |message: String| {
        tracing::warn!(repo = shown, "{message}");
        errors.push(PathError {
            path: shown.to_string(),
            message,
        });
    };
    let platform = repo.references().map_err(refs_error)?;
    let mut named: Vec<(ObjectId, String)> = Vec::new();
    // Objects already reported through a ref (HEAD usually names the same one again).
    let mut failed: HashSet<ObjectId> = HashSet::default();
    for r in platform.all().map_err(refs_error)? {
        let mut r = match r {
            Ok(r) => r,
            Err(e) => {
                error(format!("cannot read a ref: {}", one_line(e)));
                continue;
            }
        };
        let name = r.name().as_bstr().to_string();
        let target = r.target().try_id().map(ToOwned::to_owned);
        match r.peel_to_id() {
            Ok(id) => named.push((id.detach(), name)),
            Err(e) => error(match target {
                Some(id) => {
                    failed.insert(id);
                    format!("ref {name} -> {id}: cannot be read: {}", one_line(e))
                }
                None => format!("ref {name}: cannot be resolved: {}", one_line(e)),
            }),
        }
    }
    // A detached HEAD is a tip too; a HEAD that cannot be read means a broken repository.
    let head = repo.head().map_err(|e| GitError::Repository {
        path: shown.to_string(),
        message: format!("cannot read HEAD: {}", one_line(e)),
    })?;
    if let Some(id) = head.id().map(gix::Id::detach) {
        if !failed.contains(&id) {
            named.push((id, "HEAD".to_string()));
        }
    }
    named.sort_by_key(|a| a.0);
    named.dedup_by(|a, b| a.0 == b.0);
    // Only commits start a walk (a tag may point to a tree or a blob); a tip that is missing
    // or does not decode is an error.
    let mut tips = Vec::with_capacity(named.len());
    let mut buf = Vec::new();
    for (id, name) in named {
        match gix::odb::Header::try_header(&repo.objects, &id) {
            Ok(Some(h)) if h.kind() == gix::objs::Kind::Commit => {
                match repo.objects.find_commit(&id, &mut buf) {
                    Ok(_) => tips.push(id),
                    Err(e) => error(format!(
                        "ref {name} -> commit {id}: cannot be read: {}",
                        one_line(e)
                    )),
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => error(format!("ref {name} -> {id}: object is missing")),
            Err(e) => error(format!(
                "ref {name} -> {id}: cannot be read: {}",
                one_line(e)
            )),
        }
    }
    Ok((tips, errors))
}

/// `seconds` since the epoch as RFC 3339 in UTC (`2024-05-01T12:00:00Z`).
pub fn rfc3339_utc(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc3339_utc() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(1_714_564_800), "2024-05-01T12:00:00Z");
        assert_eq!(rfc3339_utc(-1), "1969-12-31T23:59:59Z");
    }

    fn oid(n: u8) -> ObjectId {
        ObjectId::from_bytes_or_panic(&[n; 20])
    }

    #[test]
    fn topo_order_puts_parents_first() {
        // Newest first as a walk yields them: 4 merges 2 and 3, both children of 1, whose
        // parent 0 is outside the walk.
        let ids = vec![oid(4), oid(3), oid(2), oid(1)];
        let parents = vec![
            vec![oid(2), oid(3)],
            vec![oid(1)],
            vec![oid(1)],
            vec![oid(0)],
        ];
        let (order, boundary) = topo_order(&ids, &parents);
        let pos = |n: u8| {
            order
                .iter()
                .position(|o| *o == oid(n))
                .unwrap_or(usize::MAX)
        };
        assert_eq!(order.len(), 4);
        assert!(pos(1) < pos(2) && pos(1) < pos(3) && pos(2) < pos(4) && pos(3) < pos(4));
        assert_eq!(boundary, vec![oid(0)]);
    }
}
