//! Taking the part of a document that an error points at out of it, so
//! that deserialization can go on to the next error.

use std::ops::Range;

use toml::{
    Spanned,
    de::{DeArray, DeTable, DeValue},
};

/// Removes the innermost key or array element whose key or value holds
/// byte `at`; returns the removed key's name (`[i]` for an element).
pub(super) fn prune(value: &mut Spanned<DeValue<'_>>, at: usize) -> Option<String> {
    match value.get_mut() {
        DeValue::Table(table) => prune_table(table, at),
        DeValue::Array(array) => prune_array(array, at),
        _ => None,
    }
}

/// Whether byte `at` lies in `span` (an empty span holds its start).
fn holds(span: Range<usize>, at: usize) -> bool {
    span.start <= at && at < span.end.max(span.start + 1)
}

fn prune_table(table: &mut DeTable<'_>, at: usize) -> Option<String> {
    let hit = table
        .iter()
        .find(|(k, v)| holds(k.span(), at) || holds(v.span(), at))
        .map(|(k, _)| k.clone());
    let Some(hit) = hit else {
        // An array of tables spans only its first `[[header]]`: look
        // inside every child.
        let keys: Vec<_> = table.iter().map(|(k, _)| k.clone()).collect();
        return keys.iter().find_map(|k| prune(table.get_mut(k)?, at));
    };
    if let Some(child) = table.get_mut(&hit)
        && !holds(hit.span(), at)
        && let Some(inner) = prune(child, at)
    {
        return Some(inner);
    }
    table.remove(&hit);
    Some(hit.get_ref().to_string())
}

fn prune_array(array: &mut DeArray<'_>, at: usize) -> Option<String> {
    let Some(index) = array.iter().position(|v| holds(v.span(), at)) else {
        // The elements of an array of tables span only their headers: the
        // offset may be in a body.
        return (0..array.len()).find_map(|i| prune(&mut array.as_mut()[i], at));
    };
    if let Some(inner) = prune(&mut array.as_mut()[index], at) {
        return Some(inner);
    }
    let mut kept = DeArray::new();
    for (i, v) in array.iter().enumerate() {
        if i != index {
            kept.push(v.clone());
        }
    }
    *array = kept;
    Some(format!("[{index}]"))
}
