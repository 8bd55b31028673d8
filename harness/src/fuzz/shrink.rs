//! Shrinking: each bucket's first input made simpler with its proptest value tree while it
//! still lands in the same bucket, bounded by `shrink_steps` requests per bucket and by a
//! shared deadline for all of them. Buckets shrink side by side (`concurrency` at once),
//! the fastest first, so a slow route cannot spend the time the others needed.

use std::time::Instant;

use futures_util::StreamExt as _;

use super::bucket::Outcome;
use super::case::Case;
use super::progress::Progress;
use super::send::send;
use super::spec::{Api, Operation};
use super::{Found, Options, Target};

/// One bucket after shrinking.
pub(super) struct Shrunk {
    pub(super) found: Found,
    pub(super) best: Case,
    pub(super) outcome: Outcome,
    pub(super) steps: usize,
    /// Why the input was not shrunk (fully), when it was not.
    pub(super) note: Option<&'static str>,
}

/// Shrinks every bucket until `until`; the result keeps the order the buckets were found.
pub(super) async fn all(
    target: &Target<'_>,
    api: &Api,
    options: &Options,
    found: Vec<Found>,
    until: Instant,
    progress: &Progress,
) -> Vec<Shrunk> {
    let mut order: Vec<(usize, Found)> = found.into_iter().enumerate().collect();
    order.sort_by_key(|(_, f)| f.outcome.observed.elapsed);
    let mut shrunk: Vec<(usize, Shrunk)> = futures_util::stream::iter(order)
        .map(|(index, found)| async move {
            let operation = &api.operations[found.operation];
            (
                index,
                one(target, operation, options, found, until, progress).await,
            )
        })
        .buffer_unordered(options.concurrency.max(1))
        .collect()
        .await;
    shrunk.sort_by_key(|(index, _)| *index);
    shrunk.into_iter().map(|(_, s)| s).collect()
}

async fn one(
    target: &Target<'_>,
    operation: &Operation,
    options: &Options,
    mut found: Found,
    until: Instant,
    progress: &Progress,
) -> Shrunk {
    let mut best = (found.tree.current(), found.outcome.clone());
    if found.outcome.observed.timed_out {
        // Every step would cost a whole request timeout, and slowness is rarely the
        // input's doing: the first input stands.
        return Shrunk {
            found,
            best: best.0,
            outcome: best.1,
            steps: 0,
            note: Some("not shrunk: its input timed out"),
        };
    }
    let mut failing = true;
    let mut steps = 0;
    let mut note = None;
    while steps < options.shrink_steps {
        if Instant::now() >= until {
            note = Some("shrinking stopped: the time bound was reached");
            break;
        }
        let moved = if failing {
            found.tree.simplify()
        } else {
            found.tree.complicate()
        };
        if !moved {
            break;
        }
        let case = found.tree.current();
        steps += 1;
        progress.shrink_request();
        let Ok(outcome) =
            tokio::time::timeout_at(until.into(), send(target, operation, &case, options)).await
        else {
            note = Some("shrinking stopped: the time bound was reached");
            break;
        };
        failing = outcome.key(operation).as_ref() == Some(&found.key);
        if failing && case.weight() <= best.0.weight() {
            best = (case, outcome);
        }
    }
    Shrunk {
        found,
        best: best.0,
        outcome: best.1,
        steps,
        note,
    }
}
