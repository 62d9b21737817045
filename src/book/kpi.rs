//! The period report from the book: the engine computes the KPIs in one
//! pass; the tier moves come from the timeline's system entries, read only
//! for the accounts the engine knows had one in the period.

use super::{Book, Result};
use crate::domain::InteractionKind;
use crate::segment::TierChange;
use crate::segment::kpi::{KpiReport, Period, TierMove};

impl Book {
    /// The KPIs of `period`, for everyone or for `owner`'s accounts.
    pub fn kpi_report(&self, period: Period, owner: Option<&str>) -> Result<KpiReport> {
        let moves = self.tier_moves(period)?;
        Ok(self.engine().kpi_report(period, owner, &moves))
    }

    /// Tier moves the timeline recorded in `period` (first tiers excluded).
    pub fn tier_moves(&self, period: Period) -> Result<Vec<TierMove>> {
        let mut out = Vec::new();
        for id in self.engine().accounts_with_moves(period) {
            for i in self.store().interactions_of(id)? {
                if i.kind != InteractionKind::System || !period.contains(i.day()) {
                    continue;
                }
                if let Some((Some(from), to)) = TierChange::parse_summary(&i.summary) {
                    out.push(TierMove {
                        account: id,
                        day: i.day(),
                        from,
                        to,
                    });
                }
            }
        }
        Ok(out)
    }
}
