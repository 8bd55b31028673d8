//! demo-app integration tests: one binary, a real app process per test (see `support`).

mod bare;
mod config;
mod correlation;
mod failure_classes;
mod forwarded_for;
mod hardening;
mod least_privilege;
mod mitigations;
mod ops;
mod reliability;
mod resilience;
mod support;
