//! Taking a lock whatever happened to its last holder. A mutex is poisoned when a thread
//! panics while holding it, and handler panics are this lab's daily business. What the
//! app's mutexes guard (counters, error groups, the probing watch, the open covers) stays a
//! valid value after any such panic: each change is one insert, push or increment. So a
//! poisoned lock is taken as it is, instead of turning one panic into a panic in every
//! later request that touches the same state.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `mutex`, poisoned or not.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    #[test]
    fn a_lock_poisoned_by_a_panic_is_still_taken() {
        let counter = Mutex::new(1);
        let poisoned = std::panic::catch_unwind(|| {
            let _held = counter.lock().expect("first lock");
            panic!("a handler panicked");
        });
        assert!(poisoned.is_err() && counter.is_poisoned());
        *super::lock(&counter) += 1;
        assert_eq!(*super::lock(&counter), 2);
    }
}
