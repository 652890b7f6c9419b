//! Where the PIN service keeps its records: a [`PinStore`] trait, an in-memory store for tests, and
//! a durable journal file for long-running instances.
//!
//! The journal is one framed line per committed batch, `J1 <len> <crc32> {"seq":N,"records":[…]}`
//! (payload length and CRC-32 in 8 lowercase hex digits), appended and `fsync`ed before the commit
//! returns: an acknowledged change survives a `kill -9`. At open the journal is replayed, later
//! versions of a record replacing earlier ones. The frame tells a torn tail (no end of line and
//! shorter than its frame declares: a write a crash interrupted, never acknowledged), which is cut
//! with a warning, from damage to a complete line, which refuses to open with the file and line,
//! since acknowledged data would be lost. When the file has grown to several times the size of its
//! records it is rewritten as one snapshot line (new file, `fsync`, rename, `fsync` of the
//! directory). Journals in the older unframed format (plain JSON lines) still open and are
//! rewritten framed at once.

use super::delegation::Delegation;
use super::model::{Claim, Message, Pin};
use super::phone_pin::PhonePin;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One stored record; a later record with the same [`Record::key`] replaces an earlier one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Record {
    /// A claim.
    Claim(Claim),
    /// A delegation.
    Delegation(Delegation),
    /// An outbox message.
    Message(Message),
    /// A phone PIN (one per person).
    PhonePin(PhonePin),
    /// A PIN credential.
    Pin(Pin),
}

impl Record {
    /// The identity of the record: its type and id.
    pub fn key(&self) -> (&'static str, &str) {
        match self {
            Record::Claim(c) => ("claim", &c.id),
            Record::Delegation(d) => ("delegation", &d.id),
            Record::Message(m) => ("message", &m.id),
            Record::PhonePin(p) => ("phone-pin", &p.fiscal_code),
            Record::Pin(p) => ("pin", &p.id),
        }
    }
}

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The journal is damaged before its last line: acknowledged data would be lost.
    #[error("{path}:{line}: damaged journal line ({message}); restore the file from a backup or move it away to start empty")]
    Corrupt {
        /// The journal.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// A record could not be encoded.
    #[error("cannot encode a record: {0}")]
    Encode(String),
    /// The file system refused.
    #[error("{path}: {source}")]
    Io {
        /// The journal.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// Keeps the records of the PIN service.
pub trait PinStore: Debug + Send + Sync {
    /// Every record, each in its latest version.
    fn load(&self) -> Result<Vec<Record>, StoreError>;

    /// Stores `batch` atomically; when this returns `Ok`, the batch is durable (acknowledged).
    fn commit(&self, batch: &[Record]) -> Result<(), StoreError>;
}

/// Records in memory only: for tests and throw-away instances.
#[derive(Debug, Default)]
pub struct MemoryStore {
    records: Mutex<BTreeMap<(&'static str, String), Record>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl PinStore for MemoryStore {
    fn load(&self) -> Result<Vec<Record>, StoreError> {
        let map = self.records.lock().unwrap_or_else(|e| e.into_inner());
        Ok(map.values().cloned().collect())
    }

    fn commit(&self, batch: &[Record]) -> Result<(), StoreError> {
        let mut map = self.records.lock().unwrap_or_else(|e| e.into_inner());
        for r in batch {
            let (kind, id) = r.key();
            map.insert((kind, id.to_string()), r.clone());
        }
        Ok(())
    }
}

#[derive(Serialize, Deserialize)]
struct Line {
    seq: u64,
    records: Vec<Record>,
}

/// The first bytes of every framed journal line.
const FRAME_TAG: &[u8] = b"J1 ";
/// `J1 ` + 8 lowercase hex digits of the payload length + ` ` + 8 of its CRC-32 + ` `.
const HEADER_LEN: usize = FRAME_TAG.len() + 8 + 1 + 8 + 1;

/// Frames one journal payload: `J1 <len:08x> <crc32:08x> <json>\n`.
fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len() + 1);
    out.extend_from_slice(FRAME_TAG);
    out.extend_from_slice(
        format!("{:08x} {:08x} ", payload.len(), crc32fast::hash(payload)).as_bytes(),
    );
    out.extend_from_slice(payload);
    out.push(b'\n');
    out
}

/// Exactly 8 lowercase hex digits (no other spelling of a value is accepted, so one damaged
/// byte cannot leave the number unchanged).
fn hex8(b: &[u8]) -> Option<u32> {
    if b.len() != 8 || !b.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    u32::from_str_radix(std::str::from_utf8(b).ok()?, 16).ok()
}

/// The payload length and CRC a frame header declares, if `b` starts with a well-formed header.
fn header(b: &[u8]) -> Option<(usize, u32)> {
    if b.len() < HEADER_LEN || !b.starts_with(FRAME_TAG) {
        return None;
    }
    let t = FRAME_TAG.len();
    let len = hex8(&b[t..t + 8])?;
    let crc = hex8(&b[t + 9..t + 17])?;
    (b[t + 8] == b' ' && b[t + 17] == b' ').then_some((len as usize, crc))
}

/// The records a journal holds, as [`replay_journal`] read them.
#[derive(Debug, Default)]
pub struct JournalContents {
    records: BTreeMap<(&'static str, String), Record>,
    seq: u64,
    good_len: u64,
    legacy: bool,
    lines: usize,
    missing_newline: bool,
}

impl JournalContents {
    /// Every record, each in its latest version.
    pub fn records(&self) -> impl Iterator<Item = &Record> {
        self.records.values()
    }

    /// How many bytes at the end are a torn, never-acknowledged write (cut at open).
    pub fn torn_bytes(&self, file_len: u64) -> u64 {
        file_len - self.good_len
    }

    /// Whether the journal is in the unframed format written before frames had a CRC.
    pub fn is_legacy(&self) -> bool {
        self.legacy
    }
}

/// Reads a journal's bytes.
///
/// Framed lines (`J1 <len> <crc32> <json>\n`) are checked against their length and CRC-32; a
/// journal written before frames existed (JSON lines starting with `{`) is read as it was written.
/// Only a tail without its end of line that is shorter than its frame declares (a write a crash
/// interrupted, hence never acknowledged) is left out; a complete frame missing only its end of
/// line is kept when its CRC holds; damage to any complete line, the last one included, is
/// [`StoreError::Corrupt`] with its line.
pub fn replay_journal(path: &Path, bytes: &[u8]) -> Result<JournalContents, StoreError> {
    let mut out = JournalContents {
        legacy: bytes.first() == Some(&b'{'),
        ..JournalContents::default()
    };
    let corrupt = |line: usize, message: String| StoreError::Corrupt {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut offset = 0usize;
    let mut line_no = 0;
    while offset < bytes.len() {
        line_no += 1;
        let rest = &bytes[offset..];
        let (line, consumed) = match rest.iter().position(|b| *b == b'\n') {
            Some(nl) => (&rest[..nl], nl + 1),
            // No end of line: a torn write, unless the frame it starts is complete. A complete
            // frame whose CRC holds is kept (only its end of line is missing, and it may have been
            // acknowledged); the end of line is put back at open.
            None => match header(rest) {
                Some((len, _)) if !out.legacy && rest.len() >= HEADER_LEN + len => {
                    if rest.len() > HEADER_LEN + len {
                        return Err(corrupt(
                            line_no,
                            format!(
                                "the frame declares {len} bytes but the line holds {}",
                                rest.len() - HEADER_LEN
                            ),
                        ));
                    }
                    out.missing_newline = true;
                    (rest, rest.len())
                }
                _ => break,
            },
        };
        let payload = if out.legacy {
            line
        } else {
            let (len, crc) = header(line).ok_or_else(|| {
                corrupt(
                    line_no,
                    "not a journal frame (J1 <length> <crc32> <json>)".into(),
                )
            })?;
            let payload = &line[HEADER_LEN..];
            if payload.len() != len {
                return Err(corrupt(
                    line_no,
                    format!(
                        "the frame declares {len} bytes but the line holds {}",
                        payload.len()
                    ),
                ));
            }
            let actual = crc32fast::hash(payload);
            if actual != crc {
                return Err(corrupt(
                    line_no,
                    format!("CRC-32 {actual:08x} where the frame says {crc:08x}"),
                ));
            }
            payload
        };
        let parsed: Line =
            serde_json::from_slice(payload).map_err(|e| corrupt(line_no, e.to_string()))?;
        if !out.legacy && out.lines > 0 && parsed.seq <= out.seq {
            return Err(corrupt(
                line_no,
                format!("sequence {} after {}", parsed.seq, out.seq),
            ));
        }
        out.seq = parsed.seq;
        out.lines += 1;
        for r in parsed.records {
            let (kind, id) = r.key();
            out.records.insert((kind, id.to_string()), r);
        }
        offset += consumed;
    }
    out.good_len = offset as u64;
    Ok(out)
}

/// When the journal is rewritten as one snapshot line.
#[derive(Debug, Clone, Copy)]
pub struct Compaction {
    /// Never below this size in bytes.
    pub min_bytes: u64,
    /// Only when the file is this many times the size of the last snapshot (at least 2).
    pub ratio: u64,
}

impl Default for Compaction {
    fn default() -> Self {
        Self {
            min_bytes: 4 << 20,
            ratio: 4,
        }
    }
}

/// An append-only journal of framed JSON lines with an `fsync` per commit, compacted into a
/// snapshot line when it grows.
#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    compaction: Compaction,
    inner: Mutex<FileInner>,
}

#[derive(Debug)]
struct FileInner {
    file: File,
    len: u64,
    seq: u64,
    /// The size of the file right after the last compaction (or at open).
    base_len: u64,
    records: BTreeMap<(&'static str, String), Record>,
}

impl FileStore {
    /// Opens (or creates) the journal at `path` and replays it, compacting with the defaults.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, Compaction::default())
    }

    /// Opens (or creates) the journal at `path` and replays it. A journal in the unframed format
    /// is rewritten framed at once (the migration is itself a crash-safe compaction).
    pub fn open_with(path: impl AsRef<Path>, compaction: Compaction) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let io = |source| StoreError::Io {
            path: path.clone(),
            source,
        };
        // A snapshot never renamed into place: the journal itself is complete.
        let _ = std::fs::remove_file(compact_path(&path));
        let existed = path.exists();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        if !existed {
            sync_dir(&path).map_err(io)?;
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;
        let contents = replay_journal(&path, &bytes)?;
        let good_len = contents.good_len;
        if good_len < bytes.len() as u64 {
            tracing::warn!(
                path = %path.display(),
                dropped_bytes = bytes.len() as u64 - good_len,
                "PIN journal: cut a torn last write (interrupted by a crash, never acknowledged)"
            );
            file.set_len(good_len).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        file.seek(SeekFrom::Start(good_len)).map_err(io)?;
        let mut good_len = good_len;
        if contents.missing_newline {
            file.write_all(b"\n").map_err(io)?;
            file.sync_data().map_err(io)?;
            good_len += 1;
        }
        // What a snapshot would weigh, to decide whether the history is worth compacting now.
        let snapshot_len = serde_json::to_vec(&contents.records.values().collect::<Vec<_>>())
            .map(|v| (v.len() + HEADER_LEN + 32) as u64)
            .unwrap_or(good_len);
        let store = Self {
            path,
            compaction,
            inner: Mutex::new(FileInner {
                file,
                len: good_len,
                seq: contents.seq,
                base_len: snapshot_len,
                records: contents.records,
            }),
        };
        {
            let mut inner = store.inner.lock().unwrap_or_else(|e| e.into_inner());
            if contents.legacy {
                store.compact(&mut inner)?;
                tracing::info!(path = %store.path.display(), "PIN journal: migrated to framed lines");
            } else if store.should_compact(&inner) {
                store.compact(&mut inner)?;
            }
        }
        Ok(store)
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn should_compact(&self, inner: &FileInner) -> bool {
        let c = self.compaction;
        inner.len >= c.min_bytes && inner.len >= inner.base_len.saturating_mul(c.ratio.max(2))
    }

    /// Rewrites the journal as one snapshot line: written to a new file, `fsync`ed, renamed over
    /// the journal, directory `fsync`ed. A crash at any point leaves either the old journal or
    /// the new one, both complete.
    fn compact(&self, inner: &mut FileInner) -> Result<(), StoreError> {
        let tmp = compact_path(&self.path);
        let io = |source| StoreError::Io {
            path: tmp.clone(),
            source,
        };
        let line = Line {
            seq: inner.seq,
            records: inner.records.values().cloned().collect(),
        };
        let payload = serde_json::to_vec(&line).map_err(|e| StoreError::Encode(e.to_string()))?;
        let text = frame(&payload);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(io)?;
        file.write_all(&text).map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&tmp, &self.path).map_err(io)?;
        // The handle follows the renamed file: appends go to the journal from now on.
        inner.file = file;
        inner.len = text.len() as u64;
        inner.base_len = inner.len;
        sync_dir(&self.path).map_err(|source| StoreError::Io {
            path: self.path.clone(),
            source,
        })
    }
}

fn compact_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".compact");
    PathBuf::from(name)
}

fn sync_dir(path: &Path) -> std::io::Result<()> {
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => File::open(dir)?.sync_all(),
        None => File::open(".")?.sync_all(),
    }
}

impl PinStore for FileStore {
    fn load(&self) -> Result<Vec<Record>, StoreError> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        Ok(inner.records.values().cloned().collect())
    }

    fn commit(&self, batch: &[Record]) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let line = Line {
            seq: inner.seq + 1,
            records: batch.to_vec(),
        };
        let payload = serde_json::to_vec(&line).map_err(|e| StoreError::Encode(e.to_string()))?;
        let text = frame(&payload);
        let io = |source| StoreError::Io {
            path: self.path.clone(),
            source,
        };
        let start = inner.len;
        let written = inner
            .file
            .write_all(&text)
            .and_then(|()| inner.file.sync_data());
        if let Err(e) = written {
            // Cut a partial line so the next commit starts clean; the batch is not acknowledged.
            let _ = inner.file.set_len(start);
            let _ = inner.file.seek(SeekFrom::Start(start));
            return Err(io(e));
        }
        inner.len = start + text.len() as u64;
        inner.seq = line.seq;
        for r in batch {
            let (kind, id) = r.key();
            inner.records.insert((kind, id.to_string()), r.clone());
        }
        if self.should_compact(&inner) {
            // The batch is durable already; a failed compaction only leaves the file longer.
            if let Err(e) = self.compact(&mut inner) {
                tracing::warn!(error = %e, "PIN journal: compaction failed; the journal stays as it is");
                let end = inner.len;
                let _ = inner.file.seek(SeekFrom::Start(end));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pin::model::{Carrier, Message};
    use time::macros::datetime;

    fn message(id: &str) -> Record {
        Record::Message(Message {
            id: id.into(),
            fiscal_code: "RSSMRA80A01H501U".into(),
            carrier: Carrier::Sms,
            address: "+39333".into(),
            text: "t".into(),
            code: None,
            sent_at: datetime!(2020-01-01 00:00 UTC),
            delivered_at: datetime!(2020-01-01 00:00 UTC),
        })
    }

    fn temp_dir(name: &str) -> PathBuf {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "pin-store-unit-{}-{name}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A journal written by a [`FileStore`] with `batches`, and the state they acknowledged.
    fn journal(name: &str, batches: &[Vec<Record>]) -> (PathBuf, Vec<Record>) {
        let path = temp_dir(name).join("pin.jsonl");
        let memory = MemoryStore::new();
        let s = FileStore::open(&path).unwrap();
        for b in batches {
            s.commit(b).unwrap();
            memory.commit(b).unwrap();
        }
        (path, memory.load().unwrap())
    }

    fn loaded(path: &Path) -> Result<Vec<Record>, StoreError> {
        FileStore::open(path)?.load()
    }

    /// The line at which opening the journal at `path` is refused as corrupt.
    fn corrupt_line(path: &Path) -> usize {
        match FileStore::open(path).map(drop) {
            Err(StoreError::Corrupt { line, .. }) => line,
            other => panic!("expected a corrupt journal, got {other:?}"),
        }
    }

    fn line_count(bytes: &[u8]) -> usize {
        bytes.iter().filter(|b| **b == b'\n').count()
    }

    #[test]
    fn memory_store_keeps_the_latest_version() {
        let s = MemoryStore::new();
        s.commit(&[message("a"), message("b")]).unwrap();
        s.commit(&[message("a")]).unwrap();
        assert_eq!(s.load().unwrap().len(), 2);
    }

    #[test]
    fn damage_before_the_last_line_is_an_error() {
        let (path, _) = journal("corrupt", &[vec![message("a")]]);
        let good = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("{{oops\n{good}")).unwrap();
        assert_eq!(corrupt_line(&path), 1);
    }

    /// Defect 6 of issue 11: a damaged last line that ends with its newline was acknowledged; it
    /// used to be cut as torn, losing the write.
    #[test]
    fn defect6_a_damaged_last_acknowledged_line_refuses_to_open_instead_of_being_cut() {
        let (path, _) = journal("defect6", &[vec![message("a")], vec![message("b")]]);
        let mut bytes = std::fs::read(&path).unwrap();
        let before = bytes.len();
        // Garble the JSON of the last line, keeping its end of line.
        let last_start = bytes[..before - 1]
            .iter()
            .rposition(|b| *b == b'\n')
            .unwrap()
            + 1;
        let at = last_start + (before - last_start) / 2;
        bytes[at] = b'}';
        std::fs::write(&path, &bytes).unwrap();
        let e = FileStore::open(&path).unwrap_err();
        let prefix = format!("{}:2: damaged journal line", path.display());
        assert!(e.to_string().starts_with(&prefix), "{e}");
        assert!(
            e.to_string().contains("restore the file from a backup"),
            "{e}"
        );
        assert_eq!(
            std::fs::read(&path).unwrap().len(),
            before,
            "nothing was cut"
        );
    }

    /// Defect 7 of issue 11: one damaged byte inside a value used to load silently.
    #[test]
    fn defect7_a_damaged_byte_inside_a_value_refuses_to_open() {
        let (path, _) = journal("defect7", &[vec![message("a")], vec![message("b")]]);
        let text = std::fs::read_to_string(&path).unwrap();
        // Still valid JSON, a different codice fiscale: only the CRC can tell.
        let damaged = text.replacen("RSSMRA80A01H501U", "RSSMRA80A01H501V", 1);
        assert_ne!(damaged, text);
        std::fs::write(&path, damaged).unwrap();
        let e = FileStore::open(&path).unwrap_err();
        assert!(matches!(e, StoreError::Corrupt { line: 1, .. }), "{e}");
        assert!(e.to_string().contains("CRC-32"), "{e}");
    }

    #[test]
    fn a_torn_tail_is_the_only_thing_cut() {
        let (path, acked) = journal("torn", &[vec![message("a")], vec![message("b")]]);
        let good = std::fs::read(&path).unwrap();
        // Every strict prefix of a new frame is a torn write.
        let next = frame(br#"{"seq":3,"records":[]}"#);
        for cut in 1..next.len() - 1 {
            let mut bytes = good.clone();
            bytes.extend_from_slice(&next[..cut]);
            std::fs::write(&path, &bytes).unwrap();
            assert_eq!(loaded(&path).unwrap(), acked, "cut at {cut}");
            assert_eq!(std::fs::read(&path).unwrap(), good, "cut at {cut}");
        }
        // A whole frame missing only its end of line was written, hence may be acknowledged:
        // it is kept and its end of line put back.
        let mut bytes = good.clone();
        bytes.extend_from_slice(&next[..next.len() - 1]);
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(loaded(&path).unwrap(), acked);
        let mut repaired = good.clone();
        repaired.extend_from_slice(&next);
        assert_eq!(std::fs::read(&path).unwrap(), repaired);
        // ... unless its CRC fails: then it is damage.
        let mut bytes = good.clone();
        let mut bad = next[..next.len() - 1].to_vec();
        let n = bad.len();
        bad[n - 3] ^= 1;
        bytes.extend_from_slice(&bad);
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(corrupt_line(&path), 3);
    }

    #[test]
    fn an_unframed_journal_still_opens_and_is_rewritten_framed() {
        let dir = temp_dir("legacy");
        let path = dir.join("pin.jsonl");
        let line = |seq: u64, id: &str| {
            let mut v = serde_json::to_vec(&Line {
                seq,
                records: vec![message(id)],
            })
            .unwrap();
            v.push(b'\n');
            v
        };
        let mut old = line(1, "a");
        old.extend(line(2, "b"));
        old.extend(line(3, "a"));
        old.extend_from_slice(br#"{"seq":4,"rec"#);
        std::fs::write(&path, &old).unwrap();
        let store = FileStore::open(&path).unwrap();
        assert_eq!(store.load().unwrap(), vec![message("a"), message("b")]);
        store.commit(&[message("c")]).unwrap();
        drop(store);
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(FRAME_TAG), "migrated to frames");
        assert_eq!(line_count(&bytes), 2, "one snapshot and one commit");
        assert_eq!(loaded(&path).unwrap().len(), 3);
        // A damaged complete line of an old journal is refused too.
        let mut bad = line(1, "a");
        bad.extend_from_slice(b"{\"seq\":2,\"rec\n");
        std::fs::write(&path, &bad).unwrap();
        assert_eq!(corrupt_line(&path), 2);
    }

    #[test]
    fn compaction_bounds_the_file_and_keeps_every_record() {
        let path = temp_dir("compact").join("pin.jsonl");
        let policy = Compaction {
            min_bytes: 4096,
            ratio: 2,
        };
        let memory = MemoryStore::new();
        let store = FileStore::open_with(&path, policy).unwrap();
        let mut largest = 0;
        for i in 0..400 {
            let batch = [message(&format!("m{}", i % 7))];
            store.commit(&batch).unwrap();
            memory.commit(&batch).unwrap();
            largest = largest.max(std::fs::metadata(&path).unwrap().len());
        }
        assert!(
            largest < 8192,
            "the journal stays under twice the threshold: {largest}"
        );
        assert!(!compact_path(&path).exists());
        drop(store);
        assert_eq!(loaded(&path).unwrap(), memory.load().unwrap());
        // The sequence keeps rising across snapshots: a stale line after one is refused.
        let bytes = std::fs::read(&path).unwrap();
        let first = bytes.iter().position(|b| *b == b'\n').unwrap() + 1;
        let mut doubled = bytes.clone();
        doubled.extend_from_slice(&bytes[..first]);
        std::fs::write(&path, &doubled).unwrap();
        assert!(FileStore::open(&path)
            .unwrap_err()
            .to_string()
            .contains("sequence"));
    }

    #[test]
    fn a_snapshot_never_renamed_into_place_is_ignored() {
        let (path, acked) = journal("leftover", &[vec![message("a")]]);
        std::fs::write(compact_path(&path), b"J1 half a snapsh").unwrap();
        assert_eq!(loaded(&path).unwrap(), acked);
        assert!(!compact_path(&path).exists());
    }

    fn batches() -> impl proptest::strategy::Strategy<Value = Vec<Vec<Record>>> {
        use proptest::prelude::*;
        proptest::collection::vec(
            proptest::collection::vec(("[a-e]", "[ -~]{0,12}"), 1..4).prop_map(|v| {
                v.into_iter()
                    .map(|(id, text)| {
                        let mut m = message(&id);
                        if let Record::Message(msg) = &mut m {
                            msg.text = text;
                        }
                        m
                    })
                    .collect()
            }),
            1..5,
        )
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(96))]

        /// Issue 11: one damaged byte anywhere in a journal either refuses to open, naming the
        /// file and a line, or loads exactly the acknowledged state; never anything else.
        #[test]
        fn one_damaged_byte_refuses_with_file_and_line_or_loads_the_acknowledged_state(
            batches in batches(),
            at in proptest::prelude::any::<proptest::sample::Index>(),
            flip in 1u8..=255,
        ) {
            let (path, acked) = journal("prop", &batches);
            let mut bytes = std::fs::read(&path).unwrap();
            let lines = line_count(&bytes);
            let i = at.index(bytes.len());
            bytes[i] ^= flip;
            std::fs::write(&path, &bytes).unwrap();
            match loaded(&path) {
                Ok(records) => proptest::prop_assert_eq!(records, acked),
                Err(StoreError::Corrupt { line, .. }) => {
                    let e = FileStore::open(&path).unwrap_err().to_string();
                    proptest::prop_assert!(line >= 1 && line <= lines + 1, "{}", e);
                    let prefix = format!("{}:{line}: ", path.display());
                    proptest::prop_assert!(e.starts_with(&prefix), "{}", e);
                }
                Err(e) => proptest::prop_assert!(false, "unexpected error {}", e),
            }
            let _ = std::fs::remove_dir_all(path.parent().unwrap());
        }
    }
}
