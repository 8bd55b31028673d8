//! demo-app integration tests: one binary, a real app process per test (see `support`).

mod config;
mod correlation;
mod failure_classes;
mod ops;
mod reliability;
mod resilience;
mod support;
