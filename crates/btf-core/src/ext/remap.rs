//! Rewriting the BTF references a `.BTF.ext` holds — its type ids and its string offsets — as
//! libbpf 1.7.0 does when `btf__dedup` and `btf__permute` are given the object's `btf_ext`
//! (`btf_ext_visit_type_ids`, `btf_ext_visit_str_offs`).
//!
//! Which fields are visited, and in which order (the order decides where deduplicated strings
//! land):
//!
//! * type ids: every func_info record's `type_id`, then every core_relo record's `type_id`;
//! * string offsets: every func_info block's `sec_name_off`; then per line_info block its
//!   `sec_name_off` followed by each record's `file_name_off` and `line_off`; then per core_relo
//!   block its `sec_name_off` followed by each record's `access_str_off`.
//!
//! The walk reads each block's record count as it reaches it, so sub-sections that overlap
//! (which the parse checks allow) are rewritten as libbpf rewrites them; it never leaves the
//! data. A rewrite is all or nothing: the mapping runs over a copy, and only when it succeeded
//! for every field are the new values stored — in place, so pointers a C caller holds to the
//! raw bytes stay valid. The other-byte-order copy [`BtfExt::raw_data`] may hold is rebuilt in
//! place from the new values (libbpf leaves it stale).

use super::BtfExt;
use super::parse::{BLOCK_HEADER_LEN, Layout};
use super::swap;

/// A field of a record, by byte offset from the record's start.
type RecField = usize;

/// `bpf_func_info.type_id`, `bpf_core_relo.type_id`.
const TYPE_ID: RecField = 4;
/// `bpf_line_info.file_name_off`.
const FILE_NAME_OFF: RecField = 4;
/// `bpf_line_info.line_off`, `bpf_core_relo.access_str_off`.
const LINE_OFF: RecField = 8;
const ACCESS_STR_OFF: RecField = 8;

fn get(data: &[u8], off: usize) -> Option<u32> {
    let b = data.get(off..off.checked_add(4)?)?;
    Some(u32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
}

/// Maps the native `u32` at `off` through `f`; a field outside the data is left alone.
fn map_word<E>(
    data: &mut [u8],
    off: usize,
    f: &mut impl FnMut(u32) -> Result<u32, E>,
) -> Result<(), E> {
    let Some(old) = get(data, off) else {
        return Ok(());
    };
    let new = f(old)?;
    if let Some(b) = data.get_mut(off..off + 4) {
        b.copy_from_slice(&new.to_ne_bytes());
    }
    Ok(())
}

/// Visits one info sub-section: for each block, its `sec_name_off` when `sec_name` is set, then
/// the `fields` of each of its records, in order.
fn walk<E>(
    data: &mut [u8],
    layout: Option<Layout>,
    sec_name: bool,
    fields: &[RecField],
    f: &mut impl FnMut(u32) -> Result<u32, E>,
) -> Result<(), E> {
    let Some(layout) = layout else {
        return Ok(());
    };
    let rec_size = layout.rec_size as usize;
    if rec_size == 0 {
        // Not accepted by the parse; a block that does not advance would loop for ever.
        return Ok(());
    }
    let end = layout.start.saturating_add(layout.len);
    let mut pos = layout.start;
    while pos < end {
        if sec_name {
            map_word(data, pos, f)?;
        }
        // Read after the block's own name is rewritten, as libbpf's loop reads it.
        let Some(num_info) = get(data, pos + 4) else {
            return Ok(());
        };
        let records = pos + BLOCK_HEADER_LEN as usize;
        if !fields.is_empty() {
            for i in 0..num_info as usize {
                let Some(rec) = i.checked_mul(rec_size).and_then(|o| o.checked_add(records)) else {
                    return Ok(());
                };
                if rec >= data.len() {
                    return Ok(());
                }
                for &field in fields {
                    map_word(data, rec + field, f)?;
                }
            }
        }
        let step = (num_info as usize).saturating_mul(rec_size);
        pos = records.saturating_add(step);
    }
    Ok(())
}

impl BtfExt {
    /// Rewrites every type id the `.BTF.ext` refers to — func_info `type_id`s, then core_relo
    /// `type_id`s — to what `f` returns for it (libbpf's `btf_ext_visit_type_ids`). `f` sees every
    /// id, void and base ids included. If `f` fails, its error is returned and nothing changes.
    pub fn remap_type_ids<E>(&mut self, mut f: impl FnMut(u32) -> Result<u32, E>) -> Result<(), E> {
        let mut work = self.data.clone();
        walk(&mut work, self.func, false, &[TYPE_ID], &mut f)?;
        walk(&mut work, self.core_relo, false, &[TYPE_ID], &mut f)?;
        self.store_native(&work);
        Ok(())
    }

    /// Rewrites every string offset the `.BTF.ext` refers to — section names of all three
    /// sub-sections, line_info `file_name_off` and `line_off`, core_relo `access_str_off` — to what
    /// `f` returns for it, in libbpf's order (`btf_ext_visit_str_offs`; see the module
    /// documentation). `f` sees every offset, 0 included. If `f` fails, its error is returned and
    /// nothing changes.
    pub fn remap_str_offs<E>(&mut self, mut f: impl FnMut(u32) -> Result<u32, E>) -> Result<(), E> {
        let mut work = self.data.clone();
        walk(&mut work, self.func, true, &[], &mut f)?;
        walk(
            &mut work,
            self.line,
            true,
            &[FILE_NAME_OFF, LINE_OFF],
            &mut f,
        )?;
        walk(&mut work, self.core_relo, true, &[ACCESS_STR_OFF], &mut f)?;
        self.store_native(&work);
        Ok(())
    }

    /// Stores rewritten native bytes (same length) over the current ones, and rebuilds the
    /// other-byte-order copy in its own buffer if one was made.
    pub(crate) fn store_native(&mut self, native: &[u8]) {
        if native.len() != self.data.len() || native == self.data.as_slice() {
            return;
        }
        self.data.copy_from_slice(native);
        if let Some(swapped) = self.swapped_data.get_mut() {
            swapped.copy_from_slice(native);
            swap::swap_infos(swapped, true);
            swap::swap_header(swapped, true);
        }
    }
}
