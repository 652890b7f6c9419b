//! Where the PIN service keeps its records: a [`PinStore`] trait, an in-memory store for tests, and
//! a durable journal file for long-running instances.
//!
//! The journal is JSON lines, one line per committed batch (`{"seq":N,"records":[…]}`), appended
//! and `fsync`ed before the commit returns: an acknowledged change survives a `kill -9`. At open
//! the journal is replayed, later versions of a record replacing earlier ones. A last line torn by a
//! crash (never acknowledged) is dropped with a warning and cut off the file; damage anywhere else
//! is an error, since acknowledged data would be lost.

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

/// An append-only JSON-lines journal with an `fsync` per commit.
#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    inner: Mutex<FileInner>,
}

#[derive(Debug)]
struct FileInner {
    file: File,
    len: u64,
    seq: u64,
    records: BTreeMap<(&'static str, String), Record>,
}

impl FileStore {
    /// Opens (or creates) the journal at `path` and replays it.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let io = |source| StoreError::Io {
            path: path.clone(),
            source,
        };
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
        let (records, seq, good_len) = replay(&path, &bytes)?;
        if good_len < bytes.len() as u64 {
            tracing::warn!(
                path = %path.display(),
                dropped_bytes = bytes.len() as u64 - good_len,
                "PIN journal: dropped a torn last line (a write interrupted by a crash, never acknowledged)"
            );
            file.set_len(good_len).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        file.seek(SeekFrom::Start(good_len)).map_err(io)?;
        Ok(Self {
            path,
            inner: Mutex::new(FileInner {
                file,
                len: good_len,
                seq,
                records,
            }),
        })
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

type Replayed = (BTreeMap<(&'static str, String), Record>, u64, u64);

fn replay(path: &Path, bytes: &[u8]) -> Result<Replayed, StoreError> {
    let mut records = BTreeMap::new();
    let mut seq = 0;
    let mut offset = 0usize;
    let mut line_no = 0;
    while offset < bytes.len() {
        line_no += 1;
        let rest = &bytes[offset..];
        let (line, next, terminated) = match rest.iter().position(|b| *b == b'\n') {
            Some(i) => (&rest[..i], offset + i + 1, true),
            None => (rest, bytes.len(), false),
        };
        let is_last = next >= bytes.len();
        let parsed = if terminated {
            serde_json::from_slice::<Line>(line).map_err(|e| e.to_string())
        } else {
            Err("no end of line".to_string())
        };
        match parsed {
            Ok(parsed) => {
                seq = parsed.seq;
                for r in parsed.records {
                    let (kind, id) = r.key();
                    records.insert((kind, id.to_string()), r);
                }
            }
            // The last line, cut short or garbled by a crash mid-write: never acknowledged.
            Err(_) if is_last => return Ok((records, seq, offset as u64)),
            Err(message) => {
                return Err(StoreError::Corrupt {
                    path: path.to_path_buf(),
                    line: line_no,
                    message,
                })
            }
        }
        offset = next;
    }
    Ok((records, seq, offset as u64))
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
        let mut text = serde_json::to_vec(&line).map_err(|e| StoreError::Encode(e.to_string()))?;
        text.push(b'\n');
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

    #[test]
    fn memory_store_keeps_the_latest_version() {
        let s = MemoryStore::new();
        s.commit(&[message("a"), message("b")]).unwrap();
        s.commit(&[message("a")]).unwrap();
        assert_eq!(s.load().unwrap().len(), 2);
    }

    #[test]
    fn damage_before_the_last_line_is_an_error() {
        let dir = std::env::temp_dir().join(format!("pin-store-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("corrupt.jsonl");
        let _ = std::fs::remove_file(&path);
        {
            let s = FileStore::open(&path).unwrap();
            s.commit(&[message("a")]).unwrap();
        }
        let good = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("{{oops\n{good}")).unwrap();
        let e = FileStore::open(&path).unwrap_err();
        assert!(matches!(e, StoreError::Corrupt { line: 1, .. }), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
