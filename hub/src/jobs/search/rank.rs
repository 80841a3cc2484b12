//! Ordering the matches: only as much as the page asked for needs (the first `page × size` are
//! selected in linear time and only they are sorted), comparing packed integers.

use super::table::{language_index, Table};
use crate::domain::offers::{Direction, ListQuery, SortField};

/// The sort key (already turned for the direction), then start date, then id: ties never
/// depend on where an offer sits in memory, so a restarted hub pages the same way.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Rank {
    key: i64,
    start: i32,
    id: u128,
}

/// The ids of matches `skip..wanted` in the query's order.
pub fn page_of(
    table: &Table,
    found: Vec<(u32, f32)>,
    q: &ListQuery,
    skip: usize,
    wanted: usize,
) -> Vec<String> {
    let (field, direction) = q.order();
    let turn = |v: i64| match direction {
        Direction::Asc => v,
        Direction::Desc => -v,
    };
    let mut ranked: Vec<(Rank, u32)> = found
        .into_iter()
        .map(|(slot, score)| {
            let facts = table.facts(slot);
            let entry = || table.entry(slot).expect("a live slot has its entry");
            let key = match field {
                SortField::StartDate | SortField::Title => 0,
                SortField::Price => turn(facts.price_micros),
                SortField::CreatedAt => turn(entry().created_at.timestamp_micros()),
                // Unrated offers come last in either direction.
                SortField::Rating => entry()
                    .rating
                    .map_or(i64::MAX, |r| turn((r * 1_000_000.0) as i64)),
                SortField::Relevance => turn((f64::from(score) * 1_000_000.0) as i64),
            };
            let start = match (field, direction) {
                (SortField::StartDate, Direction::Desc) => -facts.start_days,
                _ => facts.start_days,
            };
            let id = facts.id_key;
            (Rank { key, start, id }, slot)
        })
        .collect();
    if field == SortField::Title {
        let lang = q.lang.as_deref().and_then(language_index);
        let title = |slot: u32| {
            let e = table.entry(slot).expect("a live slot has its entry");
            lang.and_then(|i| e.titles[i].as_deref())
                .or(e.titles[e.default_language].as_deref())
                .unwrap_or_default()
        };
        select_then_sort(&mut ranked, wanted, |a, b| {
            let by_title = title(a.1).cmp(title(b.1));
            match direction {
                Direction::Asc => by_title,
                Direction::Desc => by_title.reverse(),
            }
            .then(a.0.cmp(&b.0))
        });
    } else {
        select_then_sort(&mut ranked, wanted, |a, b| a.0.cmp(&b.0));
    }
    ranked[skip..wanted]
        .iter()
        .filter_map(|(_, slot)| table.entry(*slot).map(|e| e.id.clone()))
        .collect()
}

fn select_then_sort<T>(
    items: &mut Vec<T>,
    wanted: usize,
    compare: impl Fn(&T, &T) -> std::cmp::Ordering + Copy,
) {
    if wanted > 0 && wanted < items.len() {
        items.select_nth_unstable_by(wanted - 1, compare);
        items.truncate(wanted);
    }
    items.sort_unstable_by(compare);
}
