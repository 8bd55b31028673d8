//! The Crash Course harness: scenario files in, side-by-side comparisons out.
//!
//! The pipeline, with one module per stage: `scenario` (parse and validate, no I/O beyond
//! reading files) → `runner` (start demo-app per mode and backend, send the steps, collect
//! exchanges and logs) → `leaks` (scan each response) → `report` (render results; the
//! runner never prints).

pub mod app;
pub mod audit;
pub mod cli;
pub mod drill;
pub mod fuzz;
pub mod leaks;
pub mod load_test;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod storm;
pub mod tracker;
