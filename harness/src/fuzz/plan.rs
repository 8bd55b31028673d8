//! The plan of a run: which inputs, in which order, drawn from the strategies with a
//! seeded generator so the same seed sends the same inputs on every machine.

use std::time::Instant;

use proptest::strategy::{Strategy as _, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use super::Options;
use super::case::Case;
use super::spec::Api;
use super::strategy::{self, Phase};

/// One planned input: which operation, which phase, and its proptest value tree.
pub(super) struct Planned {
    pub(super) operation: usize,
    pub(super) phase: Phase,
    pub(super) tree: Box<dyn ValueTree<Value = Case>>,
    /// A saved regression replayed, not a fresh input.
    pub(super) replay: bool,
}

/// Every operation gets an equal share of the budget, split by phase; an input is never
/// planned twice, and the share an operation cannot use (a route without parameters has
/// one input) goes to the others. The inputs of all operations are interleaved, so a run
/// cut short by time still covers every route.
///
/// Planning costs time before the first request: it stops at `until` with what it has,
/// and since every operation and phase gets its inputs a slice at a time, what it has is
/// spread over all of them.
pub(super) fn plan(api: &Api, options: &Options, until: Instant) -> Vec<Planned> {
    /// Redistribution rounds; a few are enough to spend what small operations leave.
    const ROUNDS: usize = 4;
    /// Draws per wanted input before a phase counts as exhausted.
    const ATTEMPTS_PER_INPUT: usize = 8;
    /// Each operation and phase gets its share of a round in this many slices, in turn.
    const SLICES: usize = 16;
    let mut runner = TestRunner::new_with_rng(Config::default(), rng(options.seed));
    let strategies: Vec<Vec<(Phase, proptest::strategy::BoxedStrategy<Case>)>> = api
        .operations
        .iter()
        .map(|operation| {
            Phase::ALL
                .iter()
                .map(|phase| (*phase, strategy::cases(operation, *phase)))
                .collect()
        })
        .collect();
    let count = api.operations.len();
    let mut queues: Vec<Vec<Planned>> = (0..count).map(|_| Vec::new()).collect();
    let mut seen: Vec<std::collections::HashSet<String>> = vec![Default::default(); count];
    let mut exhausted = vec![[false; Phase::ALL.len()]; count];
    let mut total = 0;
    'rounds: for _ in 0..ROUNDS {
        let active = exhausted
            .iter()
            .filter(|phases| phases.contains(&false))
            .count();
        if active == 0 || total >= options.requests {
            break;
        }
        let per_operation = (options.requests - total)
            .div_ceil(active)
            .max(Phase::ALL.len());
        let want = |phase: &Phase| (per_operation * phase.share()).div_ceil(100);
        let mut made = vec![[0usize; Phase::ALL.len()]; count];
        loop {
            let mut moved = false;
            for (index, phases) in strategies.iter().enumerate() {
                for (slot, (phase, strategy)) in phases.iter().enumerate() {
                    let want = want(phase);
                    if exhausted[index][slot] || made[index][slot] >= want {
                        continue;
                    }
                    let step = want.div_ceil(SLICES);
                    let slice_end = (made[index][slot] + step).min(want);
                    let mut tries = 0;
                    while made[index][slot] < slice_end {
                        // A phase whose draws keep repeating has run out of inputs.
                        if tries >= step * ATTEMPTS_PER_INPUT {
                            exhausted[index][slot] = true;
                            break;
                        }
                        tries += 1;
                        if tries % 64 == 0 && Instant::now() >= until {
                            break 'rounds;
                        }
                        // A strategy that cannot produce a value is skipped, not fatal.
                        let Ok(tree) = strategy.new_tree(&mut runner) else {
                            exhausted[index][slot] = true;
                            break;
                        };
                        let key = serde_json::to_string(&tree.current()).unwrap_or_default();
                        if seen[index].insert(key) {
                            queues[index].push(Planned {
                                operation: index,
                                phase: *phase,
                                tree,
                                replay: false,
                            });
                            made[index][slot] += 1;
                            total += 1;
                        }
                    }
                    moved = true;
                }
            }
            if !moved {
                break;
            }
            if Instant::now() >= until {
                break 'rounds;
            }
        }
    }
    for queue in &mut queues {
        queue.reverse();
    }
    let mut plan = Vec::with_capacity(total);
    loop {
        let mut any = false;
        for queue in &mut queues {
            if let Some(planned) = queue.pop() {
                plan.push(planned);
                any = true;
            }
        }
        if !any {
            break;
        }
    }
    plan
}

/// The same inputs for the same seed, on every machine.
fn rng(seed: u64) -> TestRng {
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(
            &(seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)).to_le_bytes(),
        );
    }
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}
