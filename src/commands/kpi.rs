//! `kam report`: the key-account KPIs of a period, for the team and per
//! owner, as text tables that fit the terminal or as JSON with fixed field
//! names (money as strings with two decimals, rates as fractions).

use super::daily::day;
use super::table::{Column, Table, money};
use super::{CmdEnv, CmdResult, CommandError, Output};
use crate::book::Book;
use crate::domain::text::plural;
use crate::segment::kpi::{KpiReport, Kpis, Period, REPLY_NOT_MEASURED};
use serde_json::{Value, json};

/// Runs `kam report`.
pub fn report(
    book: &Book,
    from: Option<String>,
    to: Option<String>,
    owner: Option<String>,
    json: bool,
    env: &mut dyn CmdEnv,
) -> CmdResult {
    let from = from.map(|s| day("--from", &s)).transpose()?;
    let to = to.map(|s| day("--to", &s)).transpose()?;
    let period = Period::resolve(from, to, book.today())
        .map_err(|e| CommandError::invalid(e.to_string()))?;
    if let Some(o) = owner.as_deref()
        && book.engine().accounts_of_owner(o).is_empty()
    {
        env.warn(&format!("no accounts owned by '{o}'"));
    }
    let r = book.kpi_report(period, owner.as_deref())?;
    if json {
        writeln!(env.out(), "{:#}", report_json(&r, book.today()))?;
    } else {
        let output = env.output();
        write!(env.out(), "{}", report_text(&r, &output))?;
    }
    Ok(())
}

/// Four decimals: stable output for rates.
fn r4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn rate(x: Option<f64>) -> Value {
    x.map_or(Value::Null, |x| json!(r4(x)))
}

fn period_json(p: &Period) -> Value {
    json!({"from": p.from.to_string(), "to": p.to.to_string(), "days": p.days()})
}

fn kpis_json(r: &KpiReport, k: &Kpis) -> Value {
    let tiers: Vec<Value> = k
        .tiers
        .iter()
        .map(|t| {
            json!({
                "tier": t.tier,
                "accounts": t.accounts,
                "revenue": t.revenue.to_string(),
                "share": r4(t.share),
            })
        })
        .collect();
    let c = &k.complaints;
    json!({
        "accounts": k.accounts,
        "revenue": k.revenue.to_string(),
        "tiers": tiers,
        "key_account_share": rate(r.key_share(k)),
        "retention": {
            "active_previous": k.active_prev,
            "retained": k.retained,
            "rate": rate(k.retention()),
        },
        "new_accounts": k.new_accounts,
        "lost_accounts": k.lost_accounts,
        "tier_moves": {"up": k.moves_up, "down": k.moves_down},
        "touch_compliance": {
            "accounts": k.cadence_accounts,
            "in_cadence": k.touched_in_cadence,
            "rate": rate(k.touch_compliance()),
        },
        "complaint_sla": {
            "raised": c.raised,
            "resolved_in_time": c.resolved_in_time,
            "resolved_late": c.resolved_late,
            "open_overdue": c.open_overdue,
            "open_in_time": c.open_in_time,
            "resolve_kept": rate(c.kept()),
            "reply_kept": Value::Null,
        },
        "satisfaction": {
            "surveys": k.surveys,
            "average": k.satisfaction.map_or(Value::Null, |s| json!(r4(s))),
        },
        "overdue": {
            "amount": k.overdue.to_string(),
            "orders": k.overdue_orders,
            "avg_days_late": k.avg_days_late.map_or(Value::Null, |d| json!(r4(d))),
        },
    })
}

/// `kam report --json`.
pub fn report_json(r: &KpiReport, today: chrono::NaiveDate) -> Value {
    let owners: Vec<Value> = r
        .owners
        .iter()
        .map(|o| {
            let mut v = kpis_json(r, &o.kpis);
            v["owner"] = json!(o.owner);
            v
        })
        .collect();
    json!({
        "as_of": today.to_string(),
        "period": period_json(&r.period),
        "previous": period_json(&r.previous),
        "model": r.model,
        "key_tier": r.key_tier,
        "owner": r.owner,
        "notes": [REPLY_NOT_MEASURED],
        "team": kpis_json(r, &r.team),
        "owners": owners,
    })
}

/// A rate as a percentage, "–" when there is nothing to divide.
pub fn pct(x: Option<f64>) -> String {
    x.map_or("–".into(), |x| format!("{:.1}%", x * 100.0))
}

/// A rate with its counts: `66.7% (2/3)`.
pub fn pct_of(n: usize, d: usize) -> String {
    if d == 0 {
        "–".into()
    } else {
        format!("{:.0}% ({n}/{d})", n as f64 * 100.0 / d as f64)
    }
}

/// The KPI lines of one group, (label, value), as text and the TUI show them.
pub fn kpi_lines(r: &KpiReport, k: &Kpis) -> Vec<(&'static str, String)> {
    let c = &k.complaints;
    let decided = c.resolved_in_time + c.resolved_late + c.open_overdue;
    vec![
        ("Revenue", money(k.revenue)),
        ("Key-account share", pct(r.key_share(k))),
        ("Retention", pct_of(k.retained, k.active_prev)),
        ("New accounts", k.new_accounts.to_string()),
        ("Lost accounts", k.lost_accounts.to_string()),
        (
            "Tier moves up / down",
            format!("{} / {}", k.moves_up, k.moves_down),
        ),
        (
            "Touch compliance",
            pct_of(k.touched_in_cadence, k.cadence_accounts),
        ),
        (
            "Complaints resolved in SLA",
            format!(
                "{} · {} raised, {} open in time",
                pct_of(c.resolved_in_time, decided),
                c.raised,
                c.open_in_time
            ),
        ),
        ("Complaint reply in SLA", "not measured".into()),
        (
            "Satisfaction",
            k.satisfaction.map_or("–".into(), |s| {
                format!("{s:.2} of 5 ({})", plural(k.surveys, "survey"))
            }),
        ),
        (
            "Overdue receivables",
            format!(
                "{} ({})",
                money(k.overdue),
                plural(k.overdue_orders, "order")
            ),
        ),
        (
            "Average days late",
            k.avg_days_late.map_or("–".into(), |d| format!("{d:.1}")),
        ),
    ]
}

/// `kam report`: the period, the team's revenue per tier, the team's KPIs,
/// then two tables per owner (business, care) so each fits 80 columns.
pub fn report_text(r: &KpiReport, output: &Output) -> String {
    let mut out = format!(
        "Report {} ({} days)\nprevious {} · model {}",
        r.period,
        r.period.days(),
        r.previous,
        r.model
    );
    if let Some(o) = &r.owner {
        out.push_str(&format!(" · owner {o}"));
    }
    out.push_str("\n\n");
    let mut tiers = Table::new(vec![
        Column::left("TIER"),
        Column::right("ACCOUNTS"),
        Column::right("REVENUE"),
        Column::right("SHARE"),
    ]);
    for t in &r.team.tiers {
        tiers.push(vec![
            t.tier.clone().into(),
            t.accounts.to_string().into(),
            money(t.revenue).into(),
            pct(Some(t.share)).into(),
        ]);
    }
    out.push_str(&tiers.render(output));
    out.push('\n');
    let mut kpis = Table::new(vec![
        Column::left("KPI").shrinks(1, 12),
        Column::left("TEAM").shrinks(2, 16),
    ]);
    for (label, value) in kpi_lines(r, &r.team) {
        kpis.push(vec![label.into(), value.into()]);
    }
    out.push_str(&kpis.render(output));
    out.push_str(&format!("({REPLY_NOT_MEASURED})\n\n"));
    let mut business = Table::new(vec![
        Column::left("OWNER").shrinks(1, 6),
        Column::right("ACCTS"),
        Column::right("REVENUE"),
        Column::right("KEY"),
        Column::right("RETENTION"),
        Column::right("NEW"),
        Column::right("LOST"),
    ]);
    let mut care = Table::new(vec![
        Column::left("OWNER").shrinks(1, 6),
        Column::right("UP/DOWN"),
        Column::right("TOUCH"),
        Column::right("SLA"),
        Column::right("SAT"),
        Column::right("OVERDUE"),
        Column::right("DAYS LATE"),
    ]);
    for o in &r.owners {
        let k = &o.kpis;
        let owner = if o.owner.is_empty() {
            "(no owner)".to_string()
        } else {
            o.owner.clone()
        };
        let c = &k.complaints;
        business.push(vec![
            owner.clone().into(),
            k.accounts.to_string().into(),
            money(k.revenue).into(),
            pct(r.key_share(k)).into(),
            pct_of(k.retained, k.active_prev).into(),
            k.new_accounts.to_string().into(),
            k.lost_accounts.to_string().into(),
        ]);
        care.push(vec![
            owner.clone().into(),
            format!("{}/{}", k.moves_up, k.moves_down).into(),
            pct_of(k.touched_in_cadence, k.cadence_accounts).into(),
            pct_of(
                c.resolved_in_time,
                c.resolved_in_time + c.resolved_late + c.open_overdue,
            )
            .into(),
            k.satisfaction
                .map_or("–".into(), |s| format!("{s:.1}"))
                .into(),
            money(k.overdue).into(),
            k.avg_days_late
                .map_or("–".into(), |d| format!("{d:.1}"))
                .into(),
        ]);
    }
    out.push_str("Per owner: business\n");
    out.push_str(&business.render(output));
    out.push_str("\nPer owner: care\n");
    out.push_str(&care.render(output));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::kpi::OwnerKpis;

    fn d(s: &str) -> chrono::NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn rates_say_what_they_divide_and_unowned_accounts_are_named() {
        assert_eq!(pct(Some(0.4545)), "45.5%");
        assert_eq!(pct(None), "–");
        assert_eq!(pct_of(2, 3), "67% (2/3)");
        assert_eq!(pct_of(0, 0), "–");
        let p = Period {
            from: d("2026-11-16"),
            to: d("2026-11-22"),
        };
        let r = KpiReport {
            period: p,
            previous: p.previous(),
            model: "m".into(),
            key_tier: Some("Key".into()),
            owner: None,
            team: Kpis::default(),
            owners: vec![OwnerKpis {
                owner: String::new(),
                kpis: Kpis::default(),
            }],
        };
        let text = report_text(&r, &Output::default());
        assert!(text.contains("(no owner)"), "{text}");
        let v = report_json(&r, d("2026-11-24"));
        assert_eq!(v["owners"][0]["owner"], "");
        assert!(v["team"]["retention"]["rate"].is_null());
        assert_eq!(v["team"]["revenue"], "0.00");
    }
}
