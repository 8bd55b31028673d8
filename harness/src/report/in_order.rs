//! Results arrive in completion order; comparisons are read in plan order. `InOrder` holds
//! the early ones back and releases each group (one scenario on one backend, all its
//! modes) once it and every group before it are complete, so a streamed report reads
//! exactly like the one rendered at the end.

use std::ops::Range;

/// Results by plan index, released group by group, in order.
#[derive(Debug)]
pub struct InOrder<T> {
    slots: Vec<Option<T>>,
    /// Each group's plan indexes, in plan order.
    groups: Vec<Range<usize>>,
    /// The first group not released yet.
    next: usize,
}

impl<T> InOrder<T> {
    /// `keys[i]` names plan `i`'s group; consecutive equal keys form one group.
    pub fn new<K: PartialEq>(keys: &[K]) -> InOrder<T> {
        let mut groups: Vec<Range<usize>> = Vec::new();
        for (index, key) in keys.iter().enumerate() {
            match groups.last_mut() {
                Some(group) if keys[group.start] == *key => group.end = index + 1,
                _ => groups.push(index..index + 1),
            }
        }
        InOrder {
            slots: keys.iter().map(|_| None).collect(),
            groups,
            next: 0,
        }
    }

    /// Stores plan `index`'s result; an index out of range is ignored.
    pub fn insert(&mut self, index: usize, result: T) {
        if let Some(slot) = self.slots.get_mut(index) {
            *slot = Some(result);
        }
    }

    /// The next group, once it is complete (call until `None` after each insert).
    pub fn release(&mut self) -> Option<Vec<&T>> {
        let group = self.groups.get(self.next)?.clone();
        let complete: Option<Vec<&T>> = self.slots[group].iter().map(Option::as_ref).collect();
        if complete.is_some() {
            self.next += 1;
        }
        complete
    }

    /// The first plan index whose group holds the released output back, if any.
    pub fn waiting_for(&self) -> Option<usize> {
        let group = self.groups.get(self.next)?;
        group.clone().find(|&i| self.slots[i].is_none())
    }

    /// Every result, in plan order (the ones never inserted are missing).
    pub fn into_results(self) -> Vec<T> {
        self.slots.into_iter().flatten().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::InOrder;

    fn released(order: &mut InOrder<&'static str>) -> Vec<Vec<&'static str>> {
        std::iter::from_fn(|| order.release().map(|g| g.into_iter().copied().collect())).collect()
    }

    #[test]
    fn a_group_is_released_once_it_and_all_before_it_are_complete() {
        // Plans: a/dev a/prod | b/dev b/prod | c/dev.
        let mut order = InOrder::new(&["a", "a", "b", "b", "c"]);
        order.insert(2, "b-dev");
        order.insert(3, "b-prod");
        assert!(released(&mut order).is_empty(), "b waits for a");
        assert_eq!(order.waiting_for(), Some(0));
        order.insert(1, "a-prod");
        assert!(released(&mut order).is_empty(), "a is half done");
        order.insert(0, "a-dev");
        assert_eq!(
            released(&mut order),
            [vec!["a-dev", "a-prod"], vec!["b-dev", "b-prod"]]
        );
        assert_eq!(order.waiting_for(), Some(4));
        order.insert(4, "c-dev");
        assert_eq!(released(&mut order), [vec!["c-dev"]]);
        assert_eq!(order.waiting_for(), None);
        assert_eq!(
            order.into_results(),
            ["a-dev", "a-prod", "b-dev", "b-prod", "c-dev"]
        );
    }

    #[test]
    fn the_first_group_is_released_as_soon_as_it_is_done() {
        let mut order = InOrder::new(&["a", "a", "b", "b"]);
        order.insert(0, "a-dev");
        order.insert(1, "a-prod");
        assert_eq!(released(&mut order), [vec!["a-dev", "a-prod"]]);
    }
}
