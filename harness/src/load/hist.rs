//! Latency histograms (HDR, microseconds) and their text encoding: V2 + DEFLATE, base64, so a
//! report carries its histograms and shards merge exactly.

use base64::Engine;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use hdrhistogram::Histogram;

/// Largest latency kept: one minute, in microseconds (longer values are clamped to it).
pub const MAX_MICROS: u64 = 60_000_000;

/// Why an encoded histogram could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistError {
    /// Not base64.
    #[error("the histogram is not base64: {0}")]
    Base64(#[from] base64::DecodeError),
    /// Not a V2 HDR histogram.
    #[error("the histogram is not an HDR V2 encoding: {0:?}")]
    Decode(hdrhistogram::serialization::DeserializeError),
    /// Two histograms could not be added.
    #[error("adding histograms: {0:?}")]
    Add(hdrhistogram::AdditionError),
}

/// A latency histogram in microseconds, 3 significant digits, up to [`MAX_MICROS`].
#[derive(Debug, Clone)]
pub struct Hist(Histogram<u64>);

impl Default for Hist {
    fn default() -> Self {
        Self::new()
    }
}

impl Hist {
    /// An empty histogram.
    pub fn new() -> Self {
        let mut h = Histogram::new_with_bounds(1, MAX_MICROS, 3)
            .unwrap_or_else(|_| Histogram::new(3).unwrap_or_else(|_| unreachable!()));
        h.auto(true);
        Self(h)
    }

    /// Records one latency.
    pub fn record(&mut self, micros: u64) {
        self.0.saturating_record(micros.clamp(1, MAX_MICROS));
    }

    /// Adds every value of `other`.
    pub fn add(&mut self, other: &Hist) -> Result<(), HistError> {
        self.0.add(&other.0).map_err(HistError::Add)
    }

    /// How many values.
    pub fn len(&self) -> u64 {
        self.0.len()
    }

    /// Whether it holds no value.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value at `q` (0..=1), in milliseconds.
    pub fn ms_at(&self, q: f64) -> f64 {
        if self.0.is_empty() {
            return 0.0;
        }
        self.0.value_at_quantile(q) as f64 / 1000.0
    }

    /// The mean, in milliseconds.
    pub fn mean_ms(&self) -> f64 {
        self.0.mean() / 1000.0
    }

    /// The largest value, in milliseconds.
    pub fn max_ms(&self) -> f64 {
        self.0.max() as f64 / 1000.0
    }

    /// V2 + DEFLATE, base64 (standard alphabet).
    pub fn encode(&self) -> String {
        let mut bytes = Vec::new();
        // Serializing into a Vec cannot fail for a well-formed histogram.
        if V2DeflateSerializer::new()
            .serialize(&self.0, &mut bytes)
            .is_err()
        {
            bytes.clear();
        }
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    /// Reads what [`Hist::encode`] wrote (plain V2 too).
    pub fn decode(text: &str) -> Result<Self, HistError> {
        let bytes = base64::engine::general_purpose::STANDARD.decode(text.trim())?;
        let mut h: Histogram<u64> = Deserializer::new()
            .deserialize(&mut bytes.as_slice())
            .map_err(HistError::Decode)?;
        h.auto(true);
        Ok(Self(h))
    }

    /// The percentile curve: (percentile, milliseconds) at HDR's log-spaced quantiles.
    pub fn curve(&self) -> Vec<(f64, f64)> {
        if self.0.is_empty() {
            return Vec::new();
        }
        self.0
            .iter_quantiles(2)
            .map(|v| {
                (
                    v.quantile_iterated_to(),
                    v.value_iterated_to() as f64 / 1000.0,
                )
            })
            .filter(|(q, _)| *q < 1.0)
            .collect()
    }
}

impl PartialEq for Hist {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips_exactly() {
        let mut h = Hist::new();
        for v in [120, 3_400, 3_400, 98_000, 5] {
            h.record(v);
        }
        let back = Hist::decode(&h.encode()).unwrap();
        assert_eq!(back, h);
        assert_eq!(back.len(), 5);
        assert!(Hist::decode("not base64!").is_err());
        assert!(Hist::decode("AAAA").is_err());
    }

    #[test]
    fn adding_two_equals_one_histogram_of_both() {
        let (mut a, mut b, mut both) = (Hist::new(), Hist::new(), Hist::new());
        for v in 1..=1000u64 {
            a.record(v * 10);
            both.record(v * 10);
        }
        for v in 1001..=2000u64 {
            b.record(v * 10);
            both.record(v * 10);
        }
        let mut merged = Hist::decode(&a.encode()).unwrap();
        merged.add(&Hist::decode(&b.encode()).unwrap()).unwrap();
        assert_eq!(merged, both);
        // Exact, not the average of the shards' medians (5 ms and 15 ms average to 10 ms, but
        // so does the true median here; the p99 shows the difference).
        let avg_p99 = (a.ms_at(0.99) + b.ms_at(0.99)) / 2.0;
        assert!((merged.ms_at(0.99) - 19.8).abs() < 0.05);
        assert!((avg_p99 - merged.ms_at(0.99)).abs() > 4.0);
    }
}
