//! Fitting a table to the terminal without cutting what people read exactly.
//!
//! Addresses, numbers, booleans and short text (names: interfaces, processes, users, states)
//! are never cut: a wrong-looking address is worse than a missing one. Only long text (over
//! [`LONG_TEXT`] characters wide: command lines, paths, flag lists) is cut, never below that
//! width, a cut value ending in `…`. When the table still does not fit, whole columns are left
//! out: empty ones (every cell null) first, then the least important by the priority given
//! (for a registry table, its view's order; otherwise the rightmost first), and the caller
//! names them in a footer.
//!
//! Also here: a registry table's default view ([`default_view`]), the columns a person reads
//! first, applied to tables on a terminal.

use crate::model::{Column, Table, Type, Value};

/// Text columns wider than this may be cut, to no less than this.
pub const LONG_TEXT: usize = 40;

/// What fitting needs to know of one column.
#[derive(Debug, Clone, Copy)]
pub struct ColumnInfo {
    /// Its widest cell or header.
    pub natural: usize,
    /// Its header's width.
    pub header: usize,
    /// Whether it holds free text (which may be cut when long).
    pub text: bool,
    /// Whether every cell is empty.
    pub empty: bool,
}

/// The columns to show (indexes, in table order) and their widths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fitted {
    /// Indexes of the columns shown, in table order.
    pub shown: Vec<usize>,
    /// Width of each shown column.
    pub widths: Vec<usize>,
    /// Indexes of the columns left out, in table order.
    pub left_out: Vec<usize>,
}

/// The frame a table of `k` columns takes: `│ ` before each, ` │` after the last, ` │ `
/// between.
fn frame(k: usize) -> usize {
    3 * k + 1
}

/// Fits `cols` in `total` characters. `priority` lists column indexes from the most to the
/// least important (columns it leaves out come last, rightmost least).
pub fn fit(cols: &[ColumnInfo], priority: &[usize], total: usize) -> Fitted {
    let n = cols.len();
    let mut order: Vec<usize> = priority.iter().copied().filter(|&i| i < n).collect();
    for i in 0..n {
        if !order.contains(&i) {
            order.push(i);
        }
    }
    let min = |c: &ColumnInfo| {
        if c.text && c.natural > LONG_TEXT {
            LONG_TEXT.max(c.header)
        } else {
            c.natural
        }
    };
    let mut shown: Vec<usize> = (0..n).collect();
    let need =
        |shown: &[usize]| frame(shown.len()) + shown.iter().map(|&i| min(&cols[i])).sum::<usize>();
    while shown.len() > 1 && need(&shown) > total {
        // An empty column first (the least important of them), else the least important.
        let victim = order
            .iter()
            .rev()
            .copied()
            .find(|&i| shown.contains(&i) && cols[i].empty)
            .or_else(|| order.iter().rev().copied().find(|i| shown.contains(i)));
        match victim {
            Some(v) => shown.retain(|&i| i != v),
            None => break,
        }
    }
    let left_out: Vec<usize> = (0..n).filter(|i| !shown.contains(i)).collect();
    let natural: usize = shown.iter().map(|&i| cols[i].natural).sum();
    let budget = total.saturating_sub(frame(shown.len()));
    if natural <= budget {
        let widths = shown.iter().map(|&i| cols[i].natural).collect();
        return Fitted {
            shown,
            widths,
            left_out,
        };
    }
    if shown.len() == 1 {
        // Nothing else to leave out: the one column is cut to the width.
        return Fitted {
            widths: vec![budget.max(1)],
            shown,
            left_out,
        };
    }
    // Cut the long text columns to the largest common cap that fits.
    let fixed: usize = shown
        .iter()
        .filter(|&&i| !(cols[i].text && cols[i].natural > LONG_TEXT))
        .map(|&i| cols[i].natural)
        .sum();
    let cuttable: Vec<usize> = shown
        .iter()
        .copied()
        .filter(|&i| cols[i].text && cols[i].natural > LONG_TEXT)
        .collect();
    let room = budget.saturating_sub(fixed);
    let at = |cap: usize| -> usize {
        cuttable
            .iter()
            .map(|&i| min(&cols[i]).max(cols[i].natural.min(cap)))
            .sum()
    };
    let (mut lo, mut hi) = (
        0,
        cuttable.iter().map(|&i| cols[i].natural).max().unwrap_or(0),
    );
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if at(mid) <= room {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let mut slack = room.saturating_sub(at(lo));
    let widths = shown
        .iter()
        .map(|&i| {
            let c = &cols[i];
            if cuttable.contains(&i) {
                let mut w = min(c).max(c.natural.min(lo));
                if slack > 0 && c.natural > w {
                    w += 1;
                    slack -= 1;
                }
                w
            } else {
                c.natural
            }
        })
        .collect();
    Fitted {
        shown,
        widths,
        left_out,
    }
}

/// Whether a column of this type holds free text (which fitting may cut when long).
pub fn is_text(ty: Type) -> bool {
    matches!(ty, Type::Str | Type::Any)
}

thread_local! {
    /// The column lists (with their table's name) that scripts chose with `select` on this
    /// thread: a table with one of them is shown as chosen, never as a default view.
    static CHOSEN: std::cell::RefCell<Vec<(String, Vec<String>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The most chosen column lists remembered.
const MAX_CHOSEN: usize = 256;

/// Records that `table`'s columns were chosen by name (a `select`): a table with exactly
/// these columns is then shown with them all, not as its default view.
pub fn mark_chosen(table: &Table) {
    let key = (
        table.name().to_string(),
        table
            .columns()
            .iter()
            .map(|c| c.name.to_string())
            .collect::<Vec<_>>(),
    );
    CHOSEN.with(|c| {
        let mut c = c.borrow_mut();
        if !c.contains(&key) {
            if c.len() == MAX_CHOSEN {
                c.remove(0);
            }
            c.push(key);
        }
    });
}

/// Whether `table`'s columns are a list [`mark_chosen`] recorded.
fn is_chosen(table: &Table) -> bool {
    CHOSEN.with(|c| {
        c.borrow().iter().any(|(name, cols)| {
            name == table.name()
                && cols.len() == table.width()
                && cols.iter().zip(table.columns()).all(|(a, b)| *a == b.name)
        })
    })
}

/// `table` as its registry table's default view: the view's columns in the view's order (an
/// address and its prefix length as one `addr/len` cell where the view says so), and the
/// names of the columns left out. `None` when `table` is not a whole registry table (a
/// `select`, a join, a computed table: shown as they are).
pub fn default_view(table: &Table) -> Option<(Table, Vec<String>)> {
    let def = crate::tables::lookup(table.name()).ok()?;
    let view = crate::tables::views::view(def.name)?;
    let registry = (def.columns)();
    let names: Vec<&str> = table.columns().iter().map(|c| c.name.as_ref()).collect();
    // A whole table: only the registry's columns (a snapshot may lack some, in another
    // order; --all-netns adds `netns`), clearly more than the view has (a `select` names
    // fewer).
    let foreign = names
        .iter()
        .any(|n| *n != "netns" && !registry.iter().any(|c| c.name == *n));
    if foreign || names.len() <= view.columns.len() + 2 || is_chosen(table) {
        return None;
    }
    let mut schema: Vec<Column> = Vec::new();
    let mut sources: Vec<(usize, Option<usize>)> = Vec::new();
    let mut used: Vec<usize> = Vec::new();
    if let Some(i) = table
        .column_index("netns")
        .filter(|_| !registry.iter().any(|c| c.name == "netns"))
    {
        schema.push(table.columns()[i].clone());
        sources.push((i, None));
        used.push(i);
    }
    for spec in view.columns {
        let (name, len) = spec
            .split_once('/')
            .map_or((*spec, None), |(a, l)| (a, Some(l)));
        let Some(i) = table.column_index(name) else {
            continue;
        };
        let li = len.and_then(|l| table.column_index(l));
        let mut col = table.columns()[i].clone();
        if li.is_some() {
            col.ty = Type::Ip;
        }
        schema.push(col);
        sources.push((i, li));
        used.push(i);
        used.extend(li);
    }
    let mut out = Table::with_capacity(table.name().to_string(), schema, table.len());
    for r in 0..table.len() {
        out.push(sources.iter().map(|&(i, li)| {
            let v = table.cell(r, i).clone();
            match (li.map(|l| table.cell(r, l)), &v) {
                (Some(Value::Int(len)), Value::Ip(ip)) => Value::str(format!("{ip}/{len}")),
                _ => v,
            }
        }));
    }
    let hidden = (0..table.width())
        .filter(|i| !used.contains(i))
        .map(|i| table.columns()[i].name.to_string())
        .collect();
    Some((out, hidden))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(natural: usize, text: bool, empty: bool) -> ColumnInfo {
        ColumnInfo {
            natural,
            header: 4,
            text,
            empty,
        }
    }

    #[test]
    fn everything_fits_untouched() {
        let f = fit(&[col(10, false, false), col(20, true, false)], &[], 100);
        assert_eq!(f.widths, [10, 20]);
        assert!(f.left_out.is_empty());
    }

    #[test]
    fn empty_columns_go_first_then_the_least_important() {
        let cols = [
            col(39, false, false),
            col(10, false, true),
            col(15, false, false),
            col(15, false, false),
        ];
        // 3*4+1 + 79 = 92: one column must go; the empty one.
        let f = fit(&cols, &[], 80);
        assert_eq!(f.left_out, [1]);
        assert_eq!(f.widths, [39, 15, 15]);
        // Narrower: then the rightmost, unless the priority says otherwise.
        let f = fit(&cols, &[], 65);
        assert_eq!(f.left_out, [1, 3]);
        let f = fit(&cols, &[0, 3, 2, 1], 65);
        assert_eq!(f.left_out, [1, 2]);
    }

    #[test]
    fn only_long_text_is_cut_and_never_below_the_long_width() {
        let cols = [col(39, false, false), col(200, true, false)];
        let f = fit(&cols, &[], 100);
        assert_eq!(f.widths, [39, 100 - 7 - 39]);
        // The text would go below LONG_TEXT: it is left out instead.
        let f = fit(&cols, &[], 80);
        assert_eq!((f.widths, f.left_out), (vec![39], vec![1]));
        // An address column is never cut while another can go.
        let f = fit(&[col(39, false, false), col(39, false, false)], &[], 60);
        assert_eq!((f.widths, f.left_out), (vec![39], vec![1]));
        // Alone, a column is cut to the width.
        let f = fit(&[col(39, false, false)], &[], 20);
        assert_eq!(f.widths, [16]);
    }
}
