//! `max_in_flight`: the load-shedding limit (resource.overload), checked like every other
//! number so a typo is a start-up error and not a limit nobody meant.

use super::{ConfigError, Layers};
use crate::shedding::MOST_IN_FLIGHT;

impl Layers {
    pub(super) fn max_in_flight(&self) -> Result<usize, ConfigError> {
        let hint = "Use a whole number of requests, e.g. 10 (a couple per pooled connection), \
                    or 0 for no limit.";
        let limit: usize = self.parse("max_in_flight", hint)?;
        if limit > MOST_IN_FLIGHT {
            return Err(self.invalid(
                "max_in_flight",
                format!("is {limit}, above {MOST_IN_FLIGHT}"),
                hint,
            ));
        }
        Ok(limit)
    }
}
