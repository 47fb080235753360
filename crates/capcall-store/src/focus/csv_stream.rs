//! The FOCUS import's CSV reader: a parser thread that splits the byte
//! stream into records (`csv_core`, the `csv` crate's own engine, with the
//! settings of [`crate::csv_input::open_reader`]: records end at `\n`, so
//! line numbers are physical lines for LF and CRLF files alike) and hands
//! them over in batches through a bounded channel, while the importing
//! thread maps and aggregates the previous batch. On a 2-core machine this
//! roughly halves the wall time of reading a large export.
//!
//! **Bounded memory.** At most [`IN_FLIGHT`] batches exist at once (they are
//! recycled), a batch holds about [`BATCH_BYTES`] of cells, and one record
//! may not pass [`MAX_RECORD_BYTES`] of input (a located error, as for every
//! CSV the importers read), so `/dev/zero` or a binary file fails fast.

use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Arc;

use crate::csv_input::{RecordTooLong, MAX_RECORD_BYTES};

/// Cells held by one batch before it is handed over.
pub(super) const BATCH_BYTES: usize = 1 << 20;
/// Batches in existence at once (being filled, queued, being read).
pub(super) const IN_FLIGHT: usize = 4;

/// One record of a batch: its physical line (the line it starts on, as
/// `csv::Position::line` counts) and its fields (`ends[first..first + len]`).
#[derive(Clone, Copy)]
pub(super) struct Rec {
    pub line: u64,
    first: usize,
    len: usize,
    /// Offset of the record's first cell in `data`.
    start: usize,
}

/// Records parsed by the reader thread.
#[derive(Default)]
pub(super) struct Batch {
    data: Vec<u8>,
    /// End of every field, relative to its record's `start`.
    ends: Vec<usize>,
    pub recs: Vec<Rec>,
    /// Input bytes read from the file (before decompression) when this
    /// batch was sent, for progress.
    pub bytes_read: u64,
    /// The stream stopped here: `(line, message)` of an IO error or of a
    /// record over [`MAX_RECORD_BYTES`]. Nothing follows this batch.
    pub error: Option<(u64, String)>,
}

impl Batch {
    /// The fields of record `r`.
    pub fn fields(&self, r: &Rec) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        let ends = &self.ends[r.first..r.first + r.len];
        let base = r.start;
        (0..ends.len()).map(move |i| {
            let from = if i == 0 { 0 } else { ends[i - 1] };
            &self.data[base + from..base + ends[i]]
        })
    }

    /// Field `i` of record `r` (`i < r.len`).
    pub fn field(&self, r: &Rec, i: usize) -> &[u8] {
        let ends = &self.ends[r.first..r.first + r.len];
        let from = if i == 0 { 0 } else { ends[i - 1] };
        &self.data[r.start + from..r.start + ends[i]]
    }

    /// Empties the batch; `data` and `ends` keep their length (scratch
    /// space, only the offsets in `recs` say what is in use).
    fn clear(&mut self) {
        self.recs.clear();
        self.error = None;
    }
}

impl Rec {
    pub fn len(&self) -> usize {
        self.len
    }
}

/// Counts the bytes read from the file (before decompression), for progress.
pub(super) struct Counting<R> {
    pub inner: R,
    pub count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Grows `v` (zero-filled) so that at least `more` bytes are free after `used`.
fn reserve_len<T: Default + Clone>(v: &mut Vec<T>, used: usize, more: usize) {
    if v.len() < used + more {
        let want = (used + more).max(v.len() * 2);
        v.resize(want, T::default());
    }
}

/// Reads `input` to the end (or the first error), sending batches of
/// records to `to`; empty batches come back through `free` to be refilled.
/// Stops quietly when the receiver is gone (the import stopped early).
pub(super) fn parse<R: Read>(mut input: R, count: &AtomicU64, to: SyncSender<Batch>, free: Receiver<Batch>) {
    let mut core = csv_core::ReaderBuilder::new()
        .terminator(csv_core::Terminator::Any(b'\n'))
        .build();
    let mut buf = vec![0u8; 1 << 18];
    let (mut pos, mut filled) = (0usize, 0usize);
    let mut eof = false;
    let mut spare: Vec<Batch> = (0..IN_FLIGHT).map(|_| Batch::default()).collect();
    let next = |spare: &mut Vec<Batch>| -> Option<Batch> {
        if let Some(b) = spare.pop() {
            return Some(b);
        }
        free.recv().ok()
    };
    let Some(mut batch) = next(&mut spare) else { return };
    batch.clear();
    // Offsets in `batch.data` / `batch.ends` in use.
    let (mut dlen, mut elen) = (0usize, 0usize);
    loop {
        // One record.
        let line = core.line();
        let (start, first) = (dlen, elen);
        let mut record_in: u64 = 0;
        let mut outcome: Option<std::result::Result<bool, (u64, String)>> = None;
        while outcome.is_none() {
            if pos == filled && !eof {
                match input.read(&mut buf) {
                    Ok(0) => eof = true,
                    Ok(n) => {
                        pos = 0;
                        filled = n;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        outcome = Some(Err((line, e.to_string())));
                        break;
                    }
                }
            }
            reserve_len(&mut batch.data, dlen, 1 << 12);
            reserve_len(&mut batch.ends, elen, 64);
            let (res, nin, nout, nend) =
                core.read_record(&buf[pos..filled], &mut batch.data[dlen..], &mut batch.ends[elen..]);
            pos += nin;
            dlen += nout;
            elen += nend;
            record_in += nin as u64;
            if record_in > MAX_RECORD_BYTES {
                outcome = Some(Err((line, RecordTooLong { line }.to_string())));
                break;
            }
            match res {
                csv_core::ReadRecordResult::InputEmpty
                | csv_core::ReadRecordResult::OutputFull
                | csv_core::ReadRecordResult::OutputEndsFull => {}
                csv_core::ReadRecordResult::Record => outcome = Some(Ok(true)),
                csv_core::ReadRecordResult::End => outcome = Some(Ok(false)),
            }
        }
        match outcome {
            Some(Ok(true)) => {
                batch.recs.push(Rec {
                    line,
                    first,
                    len: elen - first,
                    start,
                });
                if dlen < BATCH_BYTES && batch.recs.len() < 16_384 {
                    continue;
                }
            }
            Some(Ok(false)) | None => {
                batch.bytes_read = count.load(Ordering::Relaxed);
                let _ = to.send(batch);
                return;
            }
            Some(Err(e)) => {
                batch.error = Some(e);
                batch.bytes_read = count.load(Ordering::Relaxed);
                let _ = to.send(batch);
                return;
            }
        }
        batch.bytes_read = count.load(Ordering::Relaxed);
        if to.send(batch).is_err() {
            return;
        }
        let Some(b) = next(&mut spare) else { return };
        batch = b;
        batch.clear();
        dlen = 0;
        elen = 0;
    }
}
