//! The change engine: what differs between two collections of one table. Rows are matched by
//! their identity ([`crate::tables::identity`]), not their position: a row only in the new
//! table is added, one only in the old is removed, one in both whose cells differ is changed,
//! with a delta and a per-second rate for every counter column.
//!
//! Pure: two tables and the seconds between them in, a list of changes out. Counters that go
//! backwards are reported as a reset (never a negative rate); counters the kernel keeps in 32
//! bits are allowed to wrap once.

use std::collections::HashMap;

use crate::model::{Column, Store, Table, Type, Value};
use crate::tables::identity::identity_or_all;

/// How rows are recognised and which columns are counters, as column names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSpec {
    /// Columns naming a row.
    pub key: Vec<String>,
    /// Columns naming a row whose key cells are all null.
    pub fallback: Vec<String>,
    /// Counter columns.
    pub counters: Vec<String>,
    /// Counters that wrap at 2^32.
    pub wrap32: Vec<String>,
}

impl ChangeSpec {
    /// The spec for `table`, from the identity its name has in the registry (a script's result
    /// keeps the name of the table it came from), else keyed by all its columns.
    pub fn for_table(table: &Table) -> ChangeSpec {
        let id = identity_or_all(table.name());
        let cols: Vec<&str> = table.columns().iter().map(|c| c.name.as_ref()).collect();
        let present = |names: &[&str]| -> Vec<String> {
            names
                .iter()
                .filter(|n| cols.contains(n))
                .map(|n| n.to_string())
                .collect()
        };
        ChangeSpec {
            key: id.key_of(&cols),
            fallback: id.fallback_of(&cols),
            counters: present(id.counters),
            wrap32: present(id.wrap32),
        }
    }
}

/// What happened to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Only in the new table.
    Added,
    /// Only in the old table.
    Removed,
    /// In both, with different cells.
    Changed,
}

impl Action {
    /// `added`, `removed` or `changed`.
    pub fn name(self) -> &'static str {
        match self {
            Action::Added => "added",
            Action::Removed => "removed",
            Action::Changed => "changed",
        }
    }
}

/// How a counter moved between two readings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Delta {
    /// It grew by this much (after undoing a 32-bit wrap).
    Up(i64),
    /// It went backwards: the counter was reset (or the row is a new object).
    Reset,
}

/// The move of counter column `column` (an index into the new table) in a changed row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CounterChange {
    /// Column index in the new table.
    pub column: usize,
    /// The delta.
    pub delta: Delta,
    /// Per second, when the elapsed time is known and positive (`None` after a reset).
    pub rate: Option<f64>,
}

/// One row's change.
#[derive(Debug, Clone, PartialEq)]
pub struct RowChange {
    /// What happened.
    pub action: Action,
    /// The row's index in the old table (removed and changed rows).
    pub old: Option<usize>,
    /// The row's index in the new table (added and changed rows).
    pub new: Option<usize>,
    /// Columns (indices into the new table) whose cells differ, for changed rows.
    pub changed: Vec<usize>,
    /// Every counter of a changed row, moved or not.
    pub counters: Vec<CounterChange>,
}

/// The changes between two tables.
#[derive(Debug, Clone, PartialEq)]
pub struct Changes {
    /// Changed and added rows in the new table's order, then removed rows in the old table's.
    pub rows: Vec<RowChange>,
    /// Rows in both tables with identical cells.
    pub unchanged: usize,
    /// For each column of the new table, its index in the old (`None` when only new has it).
    pub old_column: Vec<Option<usize>>,
    /// Key columns (indices into the new table).
    pub key: Vec<usize>,
    /// Key columns in the old table (for removed rows).
    pub old_key: Vec<usize>,
    /// Counter columns (indices into the new table).
    pub counters: Vec<usize>,
}

impl Changes {
    /// How many rows were added, removed and changed.
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut c = (0, 0, 0);
        for r in &self.rows {
            match r.action {
                Action::Added => c.0 += 1,
                Action::Removed => c.1 += 1,
                Action::Changed => c.2 += 1,
            }
        }
        c
    }

    /// Whether nothing differs.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// The delta of a counter read as `old` then `new`; `wrap32` counters may wrap once at 2^32
/// (a drop of more than 2^31 below the top counts as a wrap, anything else as a reset).
pub fn counter_delta(old: i64, new: i64, wrap32: bool) -> Delta {
    const TOP: i64 = 1 << 32;
    if new >= old {
        return Delta::Up(new - old);
    }
    if wrap32 && (0..TOP).contains(&old) && (0..TOP).contains(&new) {
        let d = new + TOP - old;
        if d < TOP / 2 {
            return Delta::Up(d);
        }
    }
    Delta::Reset
}

/// A row's identity: which key it uses, its values, and its occurrence among rows with the
/// same values (so duplicates pair up in order instead of vanishing). The first two values are
/// held inline, so the usual keys (a cookie and a namespace, an index) allocate nothing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    fallback: bool,
    head: [Value; 2],
    rest: Vec<Value>,
    nth: u32,
}

/// The key of row `row` of the columns `stores`, with `key` and `fallback` column indices
/// (occurrence 0).
fn key_of(stores: &[&Store], row: usize, key: &[usize], fallback: &[usize]) -> Key {
    let use_fallback = !fallback.is_empty() && key.iter().all(|&i| stores[i].is_null(row));
    let cols = if use_fallback { fallback } else { key };
    let at = |n: usize| cols.get(n).map_or(Value::Null, |&i| stores[i].get(row));
    Key {
        fallback: use_fallback,
        head: [at(0), at(1)],
        rest: cols.iter().skip(2).map(|&i| stores[i].get(row)).collect(),
        nth: 0,
    }
}

/// Rows compared as one run when the stores allow it ([`Store::same_run`]): long enough that
/// a run costs a memory compare, short enough that a run that differs costs little.
const BLOCK: usize = 256;

/// The new rows in blocks of at most [`BLOCK`], each as (first new row, first old row, rows):
/// a block whose rows all pair with consecutive old rows starts at its first row's old row;
/// any other block has `NO_ROW` as its old row (its rows are compared one by one).
fn paired_runs(old_of: &[u32]) -> Vec<(usize, usize, usize)> {
    old_of
        .chunks(BLOCK)
        .enumerate()
        .map(|(b, rows)| {
            let first = rows[0];
            let consecutive = first != crate::model::NO_ROW
                && rows
                    .iter()
                    .enumerate()
                    .all(|(i, &o)| u64::from(o) == u64::from(first) + i as u64);
            let old = if consecutive {
                first as usize
            } else {
                crate::model::NO_ROW as usize
            };
            (b * BLOCK, old, rows.len())
        })
        .collect()
}

/// Whether cell `o` of `old` and cell `n` of `new` are equal values (as [`Value`]'s `==`),
/// read from the stores without building values where both have the same compact form.
#[inline]
fn same_cell(old: &Store, o: usize, new: &Store, n: usize) -> bool {
    match (old, new) {
        (Store::Int(a, an), Store::Int(b, bn)) => match (an.get(o), bn.get(n)) {
            (false, false) => a.get(o) == b.get(n),
            (x, y) => x == y,
        },
        (Store::Ip4(a, an), Store::Ip4(b, bn)) => match (an.get(o), bn.get(n)) {
            (false, false) => a[o] == b[n],
            (x, y) => x == y,
        },
        (Store::Text(..), Store::Text(..)) => old.text(o) == new.text(n),
        (Store::Null(_), Store::Null(_)) => true,
        _ => old.get(o) == new.get(n),
    }
}

/// For each code of dictionary `old` (0, null, first), the code of the same text in `new`, or
/// -1 when `new` does not hold it (no code of `new` is negative).
fn recode(old: &crate::model::Dict, new: &crate::model::Dict) -> Vec<i64> {
    std::iter::once(0)
        .chain(
            old.values()
                .iter()
                .map(|v| new.code_of(v).map_or(-1, i64::from)),
        )
        .collect()
}

/// Old rows from `from` on by key: a row whose key an earlier row already has gets the next
/// occurrence number; with the largest occurrence number given.
fn old_rows_by_key(
    stores: &[&Store],
    from: usize,
    key: &[usize],
    fallback: &[usize],
) -> (HashMap<Key, usize, FastHash>, u32) {
    let len = stores.first().map_or(0, |s| s.len());
    let mut by_key: HashMap<Key, usize, FastHash> =
        HashMap::with_capacity_and_hasher(len.saturating_sub(from), FastHash::default());
    let mut most_dup = 0;
    for i in from..len {
        let mut k = key_of(stores, i, key, fallback);
        loop {
            match by_key.entry(k) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(i);
                    break;
                }
                std::collections::hash_map::Entry::Occupied(o) => {
                    k = o.key().clone();
                    k.nth += 1;
                    most_dup = most_dup.max(k.nth);
                }
            }
        }
    }
    (by_key, most_dup)
}

/// A quick multiplicative hash for row keys (values read from the kernel, not chosen by
/// whoever could make them collide in bulk).
type FastHash = std::hash::BuildHasherDefault<Mix>;

/// The hasher of [`FastHash`]: each word is mixed in by a rotate, xor and multiply.
#[derive(Debug, Default)]
struct Mix(u64);

impl Mix {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl std::hash::Hasher for Mix {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let mut w = [0u8; 8];
        w[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.add(u64::from_le_bytes(w) ^ (bytes.len() as u64) << 56);
    }
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    fn write_i64(&mut self, n: i64) {
        self.add(n as u64);
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    fn finish(&self) -> u64 {
        // hashbrown takes its control bits from the top of the hash: spread the low ones up.
        self.0 ^ (self.0 >> 29)
    }
}

fn indices(t: &Table, names: &[String]) -> Vec<usize> {
    names.iter().filter_map(|n| t.column_index(n)).collect()
}

/// The changes from `old` to `new`, rows matched by `spec`, rates over `elapsed` seconds.
///
/// Columns are matched by name; a column only one table has is not compared. Key columns
/// missing from either table are left out of the key.
pub fn changes(old: &Table, new: &Table, spec: &ChangeSpec, elapsed: Option<f64>) -> Changes {
    let both = |names: &[String]| -> Vec<String> {
        names
            .iter()
            .filter(|n| old.column_index(n).is_some() && new.column_index(n).is_some())
            .cloned()
            .collect()
    };
    let key_names = both(&spec.key);
    let fb_names = both(&spec.fallback);
    let (key_new, key_old) = (indices(new, &key_names), indices(old, &key_names));
    let (fb_new, fb_old) = (indices(new, &fb_names), indices(old, &fb_names));
    let old_column: Vec<Option<usize>> = new
        .columns()
        .iter()
        .map(|c| old.column_index(&c.name))
        .collect();
    let counters: Vec<(usize, bool)> = spec
        .counters
        .iter()
        .filter_map(|n| {
            let i = new.column_index(n)?;
            old_column[i]?;
            Some((i, spec.wrap32.contains(n)))
        })
        .collect();
    // Every cell is read from the stores: nothing is built or allocated for a row that did
    // not change (the usual row of a watch over many sockets).
    let old_stores: Vec<&Store> = (0..old.width()).map(|c| old.store(c)).collect();
    let new_stores: Vec<&Store> = (0..new.width()).map(|c| new.store(c)).collect();
    let mut matched = vec![false; old.len()];
    let mut rows = Vec::new();
    let mut unchanged = 0;
    let rate_of = |d: i64| elapsed.filter(|e| *e > 0.0).map(|e| d as f64 / e);
    // The columns both tables have, as (old store, new column, new store).
    let pairs: Vec<(&Store, usize, &Store)> = old_column
        .iter()
        .enumerate()
        .filter_map(|(c, o)| Some((old_stores[(*o)?], c, new_stores[c])))
        .collect();
    // Whether old row `oi` and new row `ni` have the same key (as their `Key`s would be).
    let same_key = |oi: usize, ni: usize| -> bool {
        let ofb = !fb_old.is_empty() && key_old.iter().all(|&i| old_stores[i].is_null(oi));
        let nfb = !fb_new.is_empty() && key_new.iter().all(|&i| new_stores[i].is_null(ni));
        let (oc, nc) = if ofb {
            (&fb_old, &fb_new)
        } else {
            (&key_old, &key_new)
        };
        ofb == nfb
            && oc.len() == nc.len()
            && oc
                .iter()
                .zip(nc)
                .all(|(&o, &n)| same_cell(old_stores[o], oi, new_stores[n], ni))
    };
    // Rows usually come in the order they came last time (the kernel's hash order): while
    // they do, the rows at the same position pair up without hashing (old rows before
    // `cursor` are all paired). The first row that breaks the order sends the rest through a
    // map, by key, of the old rows from `cursor` on. Either way a new row pairs with the first
    // old row of its key not paired yet, so duplicates pair up in order.
    let mut cursor = 0;
    let mut by_key: Option<(HashMap<Key, usize, FastHash>, u32)> = None;
    // For each new row, its old row (`NO_ROW`: added).
    let mut old_of = vec![crate::model::NO_ROW; new.len()];
    // Whole blocks whose key and fallback cells are the same runs in both tables pair up
    // position by position, as the loop below would pair them row by row.
    // (A block where some key column has no null uses no fallback.)
    let key_pairs: Vec<(usize, usize)> = key_old
        .iter()
        .copied()
        .zip(key_new.iter().copied())
        .collect();
    if !key_pairs.is_empty() {
        while cursor + BLOCK <= old.len().min(new.len())
            && key_pairs
                .iter()
                .all(|&(o, n)| old_stores[o].same_run(cursor, new_stores[n], cursor, BLOCK))
            && (fb_old.is_empty()
                || key_old
                    .iter()
                    .any(|&o| old_stores[o].no_nulls(cursor..cursor + BLOCK)))
        {
            for (i, slot) in old_of[cursor..cursor + BLOCK].iter_mut().enumerate() {
                *slot = crate::model::row_id(cursor + i);
            }
            matched[cursor..cursor + BLOCK].fill(true);
            cursor += BLOCK;
        }
    }
    for (ni, slot) in old_of.iter_mut().enumerate().skip(cursor) {
        let found = if by_key.is_none() && cursor < old.len() && same_key(cursor, ni) {
            cursor += 1;
            Some(cursor - 1)
        } else {
            let (map, most_dup) = by_key
                .get_or_insert_with(|| old_rows_by_key(&old_stores, cursor, &key_old, &fb_old));
            let mut k = key_of(&new_stores, ni, &key_new, &fb_new);
            let mut found = map.remove(&k);
            while found.is_none() && k.nth < *most_dup {
                k.nth += 1;
                found = map.remove(&k);
            }
            found
        };
        if let Some(oi) = found {
            matched[oi] = true;
            *slot = crate::model::row_id(oi);
        }
    }
    // Which paired rows differ, a column at a time (each column's form is then the same for
    // every comparison, and its cells are read in order).
    let mut differs = vec![false; new.len()];
    // Blocks of new rows paired with a run of consecutive old rows (the usual case: the
    // kernel kept its order), as (first new row, first old row, rows): their cells are
    // compared a run at a time, and row by row only where a run differs.
    let runs = paired_runs(&old_of);
    for (os, _, ns) in &pairs {
        // Two text columns: each old code is translated to the new dictionary's once, so a
        // cell compares two numbers instead of two texts.
        if let (Store::Text(od, oc), Store::Text(nd, nc)) = (os, ns) {
            let map = recode(od, nd);
            // The same codes for the same texts: runs of codes compare as numbers.
            let same_codes = map.iter().enumerate().all(|(c, &m)| m == c as i64);
            for &(n0, o0, len) in &runs {
                if same_codes && oc.same_run(o0, nc, n0, len) {
                    continue;
                }
                for ni in n0..n0 + len {
                    let (oi, d) = (old_of[ni], &mut differs[ni]);
                    if oi != crate::model::NO_ROW && !*d {
                        let o = usize::try_from(oc.get(oi as usize)).ok();
                        *d = o.and_then(|o| map.get(o)).is_none_or(|&m| m != nc.get(ni));
                    }
                }
            }
            continue;
        }
        for &(n0, o0, len) in &runs {
            if os.same_run(o0, ns, n0, len) {
                continue;
            }
            for ni in n0..n0 + len {
                let (oi, d) = (old_of[ni], &mut differs[ni]);
                if oi != crate::model::NO_ROW && !*d {
                    *d = !same_cell(os, oi as usize, ns, ni);
                }
            }
        }
    }
    for (ni, &oi) in old_of.iter().enumerate() {
        if oi == crate::model::NO_ROW {
            rows.push(RowChange {
                action: Action::Added,
                old: None,
                new: Some(ni),
                changed: Vec::new(),
                counters: Vec::new(),
            });
            continue;
        }
        let oi = oi as usize;
        if !differs[ni] {
            unchanged += 1;
            continue;
        }
        let changed: Vec<usize> = pairs
            .iter()
            .filter(|(os, _, ns)| !same_cell(os, oi, ns, ni))
            .map(|(_, c, _)| *c)
            .collect();
        // Rates only for the rows that changed.
        let counters = counters
            .iter()
            .filter_map(|&(c, wrap)| {
                let o = old_stores[old_column[c]?].get(oi).as_int()?;
                let n = new_stores[c].get(ni).as_int()?;
                let delta = counter_delta(o, n, wrap);
                let rate = match delta {
                    Delta::Up(d) => rate_of(d),
                    Delta::Reset => None,
                };
                Some(CounterChange {
                    column: c,
                    delta,
                    rate,
                })
            })
            .collect();
        rows.push(RowChange {
            action: Action::Changed,
            old: Some(oi),
            new: Some(ni),
            changed,
            counters,
        });
    }
    for (oi, m) in matched.iter().enumerate() {
        if !m {
            rows.push(RowChange {
                action: Action::Removed,
                old: Some(oi),
                new: None,
                changed: Vec::new(),
                counters: Vec::new(),
            });
        }
    }
    Changes {
        rows,
        unchanged,
        old_column,
        key: key_new,
        old_key: key_old,
        counters: counters.iter().map(|c| c.0).collect(),
    }
}

/// The key of a change as `col=value` pairs joined by spaces: null cells are left out, unless
/// every key cell is null (the totals row of `conntrack_stats` is `cpu=null`).
pub fn key_text(old: &Table, new: &Table, ch: &Changes, row: &RowChange) -> String {
    let (t, i, cols) = match row.new {
        Some(n) => (new, n, &ch.key),
        None => (old, row.old.unwrap_or(0), &ch.old_key),
    };
    let all_null = cols.iter().all(|&c| t.cell(i, c).is_null());
    cols.iter()
        .filter(|&&c| all_null || !t.cell(i, c).is_null())
        .map(|&c| {
            let v = t.cell(i, c);
            let text = if v.is_null() {
                "null".into()
            } else {
                crate::render::cell_text(&v)
            };
            format!("{}={text}", t.columns()[c].name)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The changes as a table: `action`, `key`, every column of the new table (a removed row's
/// cells from the old one), `changed` (the changed columns' names, comma separated), and per
/// counter `NAME_delta` (null after a reset or for added and removed rows) and, when
/// `elapsed` is given, `NAME_rate` per second.
pub fn to_table(old: &Table, new: &Table, ch: &Changes, elapsed: Option<f64>) -> Table {
    let mut cols = vec![
        Column::new("action", Type::Str, "added, removed or changed"),
        Column::new("key", Type::Str, "The row's identity, as col=value pairs"),
    ];
    cols.extend(new.columns().iter().cloned());
    cols.push(Column::new(
        "changed",
        Type::Str,
        "Names of the changed columns, comma separated",
    ));
    for &c in &ch.counters {
        let name = &new.columns()[c].name;
        cols.push(Column::computed(format!("{name}_delta"), Type::Int));
        if elapsed.is_some() {
            cols.push(Column::computed(format!("{name}_rate"), Type::Float));
        }
    }
    let mut out = Table::with_capacity(new.name().to_string(), cols, ch.rows.len());
    for r in &ch.rows {
        let mut row = vec![
            Value::str(r.action.name()),
            Value::str(key_text(old, new, ch, r)),
        ];
        match (r.new, r.old) {
            (Some(n), _) => row.extend(new.row(n).iter().cloned()),
            (None, Some(o)) => row.extend(
                ch.old_column
                    .iter()
                    .map(|oc| oc.map_or(Value::Null, |oc| old.cell(o, oc).clone())),
            ),
            (None, None) => row.extend((0..new.width()).map(|_| Value::Null)),
        }
        let names: Vec<&str> = r
            .changed
            .iter()
            .map(|&c| new.columns()[c].name.as_ref())
            .collect();
        row.push(Value::str(names.join(",")));
        for &c in &ch.counters {
            let cc = r.counters.iter().find(|x| x.column == c);
            row.push(match cc.map(|x| x.delta) {
                Some(Delta::Up(d)) => Value::Int(d),
                _ => Value::Null,
            });
            if elapsed.is_some() {
                row.push(cc.and_then(|x| x.rate).map_or(Value::Null, Value::Float));
            }
        }
        out.push(row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn socks(rows: &[(Option<i64>, i64, &str, i64)]) -> Table {
        let mut t = Table::new(
            "sockets",
            vec![
                Column::new("cookie", Type::Int, ""),
                Column::new("local_port", Type::Int, ""),
                Column::new("state", Type::Str, ""),
                Column::new("bytes_acked", Type::Int, ""),
            ],
        );
        for (c, p, s, b) in rows {
            t.push([
                Value::opt_int(*c),
                Value::Int(*p),
                Value::str(s),
                Value::Int(*b),
            ]);
        }
        t
    }

    #[test]
    fn rows_are_matched_by_identity_not_position() {
        let old = socks(&[
            (Some(1), 80, "LISTEN", 0),
            (Some(2), 22, "ESTABLISHED", 100),
        ]);
        let new = socks(&[
            (Some(3), 443, "LISTEN", 0),
            (Some(2), 22, "ESTABLISHED", 300),
            (Some(4), 22, "SYN_SENT", 0),
        ]);
        let spec = ChangeSpec::for_table(&new);
        assert_eq!(spec.key, ["cookie"]);
        let ch = changes(&old, &new, &spec, Some(2.0));
        assert_eq!(ch.counts(), (2, 1, 1));
        let changed = ch
            .rows
            .iter()
            .find(|r| r.action == Action::Changed)
            .unwrap();
        assert_eq!(changed.changed, [3]);
        assert_eq!(changed.counters[0].delta, Delta::Up(200));
        assert_eq!(changed.counters[0].rate, Some(100.0));
        let removed = ch.rows.last().unwrap();
        assert_eq!((removed.action, removed.old), (Action::Removed, Some(0)));
        assert_eq!(key_text(&old, &new, &ch, removed), "cookie=1");
        let t = to_table(&old, &new, &ch, Some(2.0));
        let names: Vec<&str> = t.columns().iter().map(|c| c.name.as_ref()).collect();
        assert_eq!(
            names,
            [
                "action",
                "key",
                "cookie",
                "local_port",
                "state",
                "bytes_acked",
                "changed",
                "bytes_acked_delta",
                "bytes_acked_rate"
            ]
        );
        assert_eq!(t.row(1)[0], Value::str("changed"));
        assert_eq!(t.row(1)[6], Value::str("bytes_acked"));
        assert_eq!(t.row(1)[8], Value::Float(100.0));
        assert_eq!(t.row(3)[4], Value::str("LISTEN"));
    }

    #[test]
    fn identical_tables_have_no_changes_and_duplicates_pair_up() {
        let a = socks(&[(None, 1, "x", 0), (None, 1, "x", 0)]);
        let mut spec = ChangeSpec::for_table(&a);
        spec.fallback = vec!["local_port".into()];
        let ch = changes(&a, &a, &spec, None);
        assert!(ch.is_empty());
        assert_eq!(ch.unchanged, 2);
        let b = socks(&[(None, 1, "x", 0)]);
        assert_eq!(changes(&a, &b, &spec, None).counts(), (0, 1, 0));
    }

    #[test]
    fn rows_pair_up_the_same_in_order_and_out_of_order() {
        let old = socks(&[
            (Some(1), 1, "a", 0),
            (Some(2), 2, "a", 0),
            (Some(3), 3, "a", 0),
            (Some(4), 4, "a", 0),
            (Some(5), 5, "a", 0),
        ]);
        // Same order at first, then an added row, a swap and a changed row.
        let new = socks(&[
            (Some(1), 1, "a", 0),
            (Some(2), 2, "a", 0),
            (Some(9), 9, "a", 0),
            (Some(5), 5, "a", 7),
            (Some(3), 3, "a", 0),
        ]);
        let ch = changes(&old, &new, &ChangeSpec::for_table(&new), Some(1.0));
        let got: Vec<(Action, Option<usize>, Option<usize>)> =
            ch.rows.iter().map(|r| (r.action, r.old, r.new)).collect();
        assert_eq!(
            got,
            [
                (Action::Added, None, Some(2)),
                (Action::Changed, Some(4), Some(3)),
                (Action::Removed, Some(3), None),
            ]
        );
        assert_eq!(ch.unchanged, 3);
        // Duplicate keys (no cookie, the fallback port) pair in order on both paths.
        let mut spec = ChangeSpec::for_table(&old);
        spec.fallback = vec!["local_port".into()];
        let a = socks(&[(None, 1, "x", 1), (None, 1, "y", 2), (None, 2, "z", 3)]);
        let b = socks(&[(None, 2, "z", 3), (None, 1, "x", 1), (None, 1, "y", 2)]);
        assert!(changes(&a, &b, &spec, None).is_empty());
        let c = socks(&[(None, 1, "x", 1), (None, 2, "z", 3), (None, 1, "y", 2)]);
        assert!(changes(&a, &c, &spec, None).is_empty());
    }

    #[test]
    fn cells_compare_as_values_whatever_their_store() {
        let mut ints = Store::default();
        let mut mixed = Store::default();
        let mut texts = Store::default();
        for v in [Value::Int(3), Value::Null, Value::Int(300_000)] {
            ints.push(v);
        }
        for v in [Value::Float(3.0), Value::str("x"), Value::Int(300_000)] {
            mixed.push(v);
        }
        for v in [Value::str("x"), Value::Null, Value::str("y")] {
            texts.push(v);
        }
        for (a, b) in [
            (&ints, &mixed),
            (&mixed, &ints),
            (&ints, &texts),
            (&texts, &mixed),
        ] {
            for i in 0..3 {
                for j in 0..3 {
                    assert_eq!(same_cell(a, i, b, j), a.get(i) == b.get(j), "{i} {j}");
                }
            }
        }
    }

    #[test]
    fn texts_compare_across_dictionaries_of_other_orders() {
        // The two tables intern their texts in other orders, and each has a text the other
        // lacks: only rows 2 (SYN_SENT -> CLOSE) and 4 (LISTEN -> FIN_WAIT1) changed.
        let old = socks(&[
            (Some(1), 80, "LISTEN", 0),
            (Some(2), 22, "SYN_SENT", 0),
            (Some(3), 23, "ESTABLISHED", 0),
            (Some(4), 24, "LISTEN", 0),
        ]);
        let new = socks(&[
            (Some(1), 80, "LISTEN", 0),
            (Some(2), 22, "CLOSE", 0),
            (Some(3), 23, "ESTABLISHED", 0),
            (Some(4), 24, "FIN_WAIT1", 0),
        ]);
        let mut rev = socks(&[]);
        for r in (0..new.len()).rev() {
            rev.push(new.row(r));
        }
        for new in [new, rev] {
            let ch = changes(&old, &new, &ChangeSpec::for_table(&new), None);
            let changed: Vec<i64> = ch
                .rows
                .iter()
                .filter(|r| r.action == Action::Changed)
                .map(|r| new.cell(r.new.unwrap(), 0).as_int().unwrap())
                .collect();
            let mut changed = changed;
            changed.sort();
            assert_eq!(changed, [2, 4]);
            assert_eq!(ch.rows.len(), 2);
        }
    }

    /// A change as (action, old row, new row, changed columns).
    type Plain = (Action, Option<usize>, Option<usize>, Vec<usize>);

    /// The changes as a plain reading of the engine's rules would find them, value by value:
    /// each new row pairs with the first old row of its key not paired yet.
    fn reference(old: &Table, new: &Table, spec: &ChangeSpec) -> Vec<Plain> {
        let key = |t: &Table, r: usize| -> (bool, Vec<Value>) {
            let cells = |names: &[String]| -> Vec<Value> {
                names
                    .iter()
                    .map(|n| t.cell(r, t.column_index(n).unwrap()))
                    .collect()
            };
            let k = cells(&spec.key);
            if !spec.fallback.is_empty() && k.iter().all(|v| *v == Value::Null) {
                (true, cells(&spec.fallback))
            } else {
                (false, k)
            }
        };
        let mut unpaired: HashMap<(bool, Vec<Value>), std::collections::VecDeque<usize>> =
            HashMap::new();
        for r in 0..old.len() {
            unpaired.entry(key(old, r)).or_default().push_back(r);
        }
        let mut out = Vec::new();
        let mut matched = vec![false; old.len()];
        for n in 0..new.len() {
            match unpaired.get_mut(&key(new, n)).and_then(|q| q.pop_front()) {
                None => out.push((Action::Added, None, Some(n), vec![])),
                Some(o) => {
                    matched[o] = true;
                    let changed: Vec<usize> = (0..new.width())
                        .filter(|&c| {
                            let oc = old.column_index(&new.columns()[c].name).unwrap();
                            old.cell(o, oc) != new.cell(n, c)
                        })
                        .collect();
                    if !changed.is_empty() {
                        out.push((Action::Changed, Some(o), Some(n), changed));
                    }
                }
            }
        }
        for (o, m) in matched.iter().enumerate() {
            if !m {
                out.push((Action::Removed, Some(o), None, vec![]));
            }
        }
        out
    }

    #[test]
    fn long_tables_compare_in_runs_as_they_would_cell_by_cell() {
        let cols = vec![
            Column::new("cookie", Type::Int, ""),
            Column::new("local_port", Type::Int, ""),
            Column::new("state", Type::Str, ""),
            Column::new("bytes_acked", Type::Int, ""),
            Column::new("rtt", Type::Float, ""),
            Column::new("addr", Type::Ip, ""),
            Column::new("flag", Type::Bool, ""),
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut rand = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let row = |i: i64, state: &str, bytes: i64| -> Vec<Value> {
            vec![
                // Every 97th socket has no cookie (read from /proc): keyed by its port.
                if i % 97 == 5 {
                    Value::Null
                } else {
                    Value::Int(i + 1)
                },
                Value::Int(i % 60_000),
                Value::str(state),
                if i % 31 == 0 {
                    Value::Null
                } else {
                    Value::Int(bytes)
                },
                Value::Float(i as f64 / 8.0),
                if i % 500 == 7 {
                    Value::Ip("::1".parse().unwrap())
                } else {
                    Value::Ip(std::net::IpAddr::from([127, 0, (i >> 8) as u8, i as u8]))
                },
                Value::Bool(i % 3 == 0),
            ]
        };
        let states = ["ESTABLISHED", "LISTEN", "TIME_WAIT"];
        let base: Vec<Vec<Value>> = (0..1500)
            .map(|i| row(i, states[(i % 3) as usize], i * 10))
            .collect();
        let table = |rows: &[Vec<Value>]| {
            let mut t = Table::new("sockets", cols.clone());
            for r in rows {
                t.push(r.clone());
            }
            t
        };
        let mut spec = ChangeSpec::for_table(&table(&base));
        spec.fallback = vec!["local_port".into()];
        for case in 0..45 {
            let mut rows = base.clone();
            match case % 9 {
                0 => {}
                // A few cells change, one to a text the old dictionary lacks, one to a
                // number that widens its column.
                1 => {
                    for _ in 0..6 {
                        let (r, c) = (rand(1500) as usize, 2 + rand(5) as usize);
                        rows[r][c] = match c {
                            2 => Value::str(["CLOSE", "LISTEN"][rand(2) as usize]),
                            3 => Value::Int(1 << 40),
                            4 => Value::Float(-0.0),
                            5 => Value::Null,
                            _ => Value::Bool(rand(2) == 1),
                        };
                    }
                }
                2 => rows.swap(rand(1500) as usize, rand(1500) as usize),
                3 => {
                    rows.remove(rand(1500) as usize);
                }
                4 => rows.insert(rand(1500) as usize, row(9_000, "SYN_SENT", 1)),
                // The same rows, texts first seen in another order.
                5 => rows[0][2] = Value::str("TIME_WAIT"),
                6 => rows[rand(1500) as usize][0] = Value::Null,
                // Two rows without cookies trade places in one block: they pair by port.
                7 => rows.swap(5, 102),
                _ => rows[1499] = row(1498, "ESTABLISHED", 14_980),
            }
            let (old, new) = (table(&base), table(&rows));
            let ch = changes(&old, &new, &spec, Some(1.0));
            let got: Vec<_> = ch
                .rows
                .iter()
                .map(|r| (r.action, r.old, r.new, r.changed.clone()))
                .collect();
            assert_eq!(got, reference(&old, &new, &spec), "case {case}");
            assert_eq!(
                ch.unchanged + ch.counts().2 + ch.counts().0,
                new.len(),
                "case {case}"
            );
        }
    }

    #[test]
    fn counters_reset_and_wrap() {
        assert_eq!(counter_delta(5, 9, false), Delta::Up(4));
        assert_eq!(counter_delta(9, 5, false), Delta::Reset);
        assert_eq!(counter_delta(u32::MAX as i64 - 10, 5, true), Delta::Up(16));
        assert_eq!(counter_delta(1000, 10, true), Delta::Reset);
        let old = socks(&[(Some(1), 1, "x", 500)]);
        let new = socks(&[(Some(1), 1, "x", 20)]);
        let ch = changes(&old, &new, &ChangeSpec::for_table(&new), Some(1.0));
        assert_eq!(ch.rows[0].counters[0].delta, Delta::Reset);
        assert_eq!(ch.rows[0].counters[0].rate, None);
    }

    #[test]
    fn a_table_the_registry_does_not_know_is_keyed_by_every_column() {
        let mut a = Table::new("mine", vec![Column::new("host", Type::Str, "")]);
        a.push([Value::str("x")]);
        let mut b = Table::new("mine", vec![Column::new("host", Type::Str, "")]);
        b.push([Value::str("y")]);
        let ch = changes(&a, &b, &ChangeSpec::for_table(&b), None);
        assert_eq!(ch.counts(), (1, 1, 0));
    }
}
