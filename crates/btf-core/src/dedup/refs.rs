//! The reference pass: PTR, CONST, VOLATILE, RESTRICT, FUNC, TYPE_TAG, DECL_TAG, ARRAY and
//! FUNC_PROTO. Each has its referenced ids replaced by their representatives first (depth first,
//! in field order), which makes the record final; it then merges with an equal candidate or
//! becomes one. A chain of reference types that comes back to itself without passing a struct,
//! union or typedef is an error (`ELOOP`), as in libbpf.
//!
//! The depth-first descent runs on an explicit stack: a chain of a million pointers needs no deep
//! call stack.

use super::Dedup;
use super::equal;
use super::graph::{ELOOP, IN_PROGRESS, MAX_ID};
use super::hash;
use super::store::{
    ARRAY, CONST, DECL_TAG, FUNC, FUNC_PROTO, INFO, PTR, RESTRICT, SIZE_TYPE, TYPE_TAG, VOLATILE,
};
use crate::model::error::{Error, ErrorKind, Result};
use crate::model::raw;

/// A record comparison.
type Equal = fn(&[u32], &[u32]) -> bool;

/// A reference type being settled and the next of its referenced ids to settle.
#[derive(Clone, Copy, Debug)]
struct Frame {
    id: u32,
    child: usize,
}

/// What entering a type gave.
enum Entered {
    /// Already settled: its representative.
    Done(u32),
    /// Now in progress: a frame was pushed.
    Pushed,
}

/// Word position of the `child`-th referenced id of a reference record, in settling order.
fn child_pos(r: &[u32], child: usize) -> Option<usize> {
    match raw::info_kind(r[INFO]) {
        CONST | VOLATILE | RESTRICT | PTR | FUNC | TYPE_TAG | DECL_TAG => {
            (child == 0).then_some(SIZE_TYPE)
        }
        // Element type, then index type.
        ARRAY => [3, 4].get(child).copied(),
        FUNC_PROTO => {
            let vlen = raw::info_vlen(r[INFO]) as usize;
            match child {
                0 => Some(SIZE_TYPE),
                c if c <= vlen => Some(3 + 2 * (c - 1) + 1),
                _ => None,
            }
        }
        _ => None,
    }
}

impl Dedup {
    pub(super) fn ref_types(&mut self) -> Result<()> {
        let mut stack = Vec::new();
        for id in self.g.store.start_id..self.g.store.type_cnt() {
            self.ref_type(id, &mut stack)?;
            self.g.check_endless()?;
        }
        Ok(())
    }

    /// Settles `root` and everything it references; returns its representative.
    fn ref_type(&mut self, root: u32, stack: &mut Vec<Frame>) -> Result<u32> {
        stack.clear();
        if let Entered::Done(rep) = self.enter(root, stack)? {
            return Ok(rep);
        }
        loop {
            let Some(&Frame { id, child }) = stack.last() else {
                return Err(Error::invalid("dedup: reference pass lost its place"));
            };
            if let Some(pos) = child_pos(self.g.store.rec(id), child) {
                let target = self.g.store.word(id, pos);
                match self.enter(target, stack)? {
                    Entered::Done(rep) => {
                        self.g.store.set_word(id, pos, rep);
                        advance(stack);
                    }
                    Entered::Pushed => {}
                }
                continue;
            }
            let rep = self.settle(id);
            stack.pop();
            let Some(&Frame { id: parent, child }) = stack.last() else {
                return Ok(rep);
            };
            if let Some(pos) = child_pos(self.g.store.rec(parent), child) {
                self.g.store.set_word(parent, pos, rep);
            }
            advance(stack);
        }
    }

    /// libbpf's checks on entering a type: in progress is a loop, settled gives its
    /// representative, anything else must be a reference kind and is now in progress.
    fn enter(&mut self, id: u32, stack: &mut Vec<Frame>) -> Result<Entered> {
        let m = self.g.map[id as usize];
        if m == IN_PROGRESS {
            return Err(Error::new(
                ErrorKind::Os(ELOOP),
                format!("dedup: type [{id}] is part of a reference loop"),
            ));
        }
        if m <= MAX_ID {
            return Ok(Entered::Done(self.g.resolve(id)));
        }
        self.g.map[id as usize] = IN_PROGRESS;
        if child_pos(self.g.store.rec(id), 0).is_none() {
            return Err(Error::invalid(format!(
                "dedup: type [{id}] of kind {} left for the reference pass",
                self.g.store.kind(id)
            )));
        }
        stack.push(Frame { id, child: 0 });
        Ok(Entered::Pushed)
    }

    /// With every referenced id final: the first equal candidate, or `id` itself as a new one.
    fn settle(&mut self, id: u32) -> u32 {
        let store = &self.g.store;
        let r = store.rec(id);
        let (h, eq): (u64, Equal) = match raw::info_kind(r[INFO]) {
            DECL_TAG => (hash::int_tag(r), equal::int_tag),
            ARRAY => (hash::array(r), equal::array),
            FUNC_PROTO => (hash::func_proto(r), equal::func_proto),
            _ => (hash::common(r), equal::common),
        };
        let new_id = self
            .table
            .cands(h)
            .find(|&c| eq(r, store.rec(c)))
            .unwrap_or(id);
        self.g.map[id as usize] = new_id;
        if new_id == id {
            self.table.add(h, id, 0);
        }
        new_id
    }
}

fn advance(stack: &mut [Frame]) {
    if let Some(top) = stack.last_mut() {
        top.child += 1;
    }
}
