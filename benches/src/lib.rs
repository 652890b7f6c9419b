//! Criterion benchmarks of the login path (see benches/).
