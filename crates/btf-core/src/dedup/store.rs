//! The records dedup works on: every type of the base chain and of the object itself, copied into
//! one word vector and indexed by type id, so that a lookup is one offset read whatever object the
//! type belongs to. Own records are a private copy (dedup rewrites type and string fields in
//! place, and the object must stay untouched if a pass fails).
//!
//! Building the store checks what the passes rely on to index without further checks: every
//! record is of a kind libbpf 1.7.0 knows and holds the words its `info` implies, and every type
//! id a record references is below the type count.

use crate::model::btf::Btf;
use crate::model::error::{Error, Result};
use crate::model::fields::{FieldKind, field_positions};
use crate::model::raw::{self, Kind};

pub(super) const INT: u32 = Kind::Int as u32;
pub(super) const PTR: u32 = Kind::Ptr as u32;
pub(super) const ARRAY: u32 = Kind::Array as u32;
pub(super) const STRUCT: u32 = Kind::Struct as u32;
pub(super) const UNION: u32 = Kind::Union as u32;
pub(super) const ENUM: u32 = Kind::Enum as u32;
pub(super) const FWD: u32 = Kind::Fwd as u32;
pub(super) const TYPEDEF: u32 = Kind::Typedef as u32;
pub(super) const VOLATILE: u32 = Kind::Volatile as u32;
pub(super) const CONST: u32 = Kind::Const as u32;
pub(super) const RESTRICT: u32 = Kind::Restrict as u32;
pub(super) const FUNC: u32 = Kind::Func as u32;
pub(super) const FUNC_PROTO: u32 = Kind::FuncProto as u32;
pub(super) const VAR: u32 = Kind::Var as u32;
pub(super) const DATASEC: u32 = Kind::Datasec as u32;
pub(super) const FLOAT: u32 = Kind::Float as u32;
pub(super) const DECL_TAG: u32 = Kind::DeclTag as u32;
pub(super) const TYPE_TAG: u32 = Kind::TypeTag as u32;
pub(super) const ENUM64: u32 = Kind::Enum64 as u32;

/// Words of the `btf_type` header: name offset, info, size or type.
pub(super) const NAME: usize = 0;
pub(super) const INFO: usize = 1;
pub(super) const SIZE_TYPE: usize = 2;

/// Every record by type id: id 0 is `void`, then the base chain from its root, then own types.
#[derive(Debug)]
pub(super) struct Store {
    words: Vec<u32>,
    /// Word offset of each record, by type id.
    offs: Vec<u32>,
    /// Kind of each record, by type id (read often; kept apart from the records for locality).
    kinds: Vec<u8>,
    /// First own type id.
    pub start_id: u32,
}

fn invalid_id(id: u32, field: u32) -> Error {
    Error::invalid(format!(
        "dedup: type [{id}] references type {field}, which does not exist"
    ))
}

impl Store {
    /// Copies the records of `btf`'s base chain and of `btf` itself, checking them.
    pub(super) fn build(btf: &Btf) -> Result<Store> {
        let type_cnt = btf.type_cnt();
        let mut chain = Vec::new();
        let mut level = btf.base.as_deref();
        while let Some(b) = level {
            chain.push(b);
            level = b.base.as_deref();
        }
        let base_words: usize = chain.iter().map(|b| b.types.len()).sum();
        let mut words = Vec::with_capacity(3 + base_words + btf.types.len());
        let mut offs = Vec::with_capacity(type_cnt as usize);
        words.extend_from_slice(&[0, 0, 0]);
        offs.push(0);
        for b in chain.iter().rev() {
            if b.start_id as usize != offs.len() {
                return Err(Error::invalid(
                    "dedup: base chain type ids are not contiguous",
                ));
            }
            for t in b.types() {
                offs.push(word_off(words.len())?);
                words.extend_from_slice(t.words());
            }
        }
        if btf.start_id as usize != offs.len() {
            return Err(Error::invalid(
                "dedup: base chain type ids are not contiguous",
            ));
        }
        let own_from = words.len();
        for &o in &btf.type_offs {
            offs.push(word_off(own_from + o as usize)?);
        }
        words.extend_from_slice(&btf.types);
        word_off(words.len())?;
        let mut store = Store {
            words,
            offs,
            kinds: Vec::new(),
            start_id: btf.start_id,
        };
        store.check(type_cnt)?;
        store.kinds = (0..type_cnt)
            .map(|id| raw::info_kind(store.info(id)) as u8)
            .collect();
        Ok(store)
    }

    /// Every record sized by a known kind and whole; every referenced id below `type_cnt`.
    fn check(&self, type_cnt: u32) -> Result<()> {
        for id in 1..type_cnt {
            let start = self.offs[id as usize] as usize;
            let end = self
                .offs
                .get(id as usize + 1)
                .map_or(self.words.len(), |&e| e as usize);
            let rec = &self.words[start..end];
            let len = raw::record_len_words(rec).ok_or_else(|| {
                Error::invalid(format!(
                    "dedup: type [{id}] is of kind {}, which libbpf 1.7.0 cannot dedup",
                    rec.get(INFO).map_or(0, |&i| raw::info_kind(i))
                ))
            })?;
            if len > rec.len() {
                return Err(Error::invalid(format!(
                    "dedup: type [{id}] has {} words, its info needs {len}",
                    rec.len()
                )));
            }
            let info = rec[INFO];
            if let Some(positions) = field_positions(
                raw::info_kind(info),
                raw::info_vlen(info),
                FieldKind::TypeIds,
            ) {
                for p in positions {
                    if rec[p] >= type_cnt {
                        return Err(invalid_id(id, rec[p]));
                    }
                }
            }
        }
        Ok(())
    }

    /// Number of type ids, void included.
    pub(super) fn type_cnt(&self) -> u32 {
        self.offs.len() as u32
    }

    /// The record of `id` and whatever follows it (callers read only what `info` implies).
    #[inline]
    pub(super) fn rec(&self, id: u32) -> &[u32] {
        &self.words[self.offs[id as usize] as usize..]
    }

    #[inline]
    pub(super) fn info(&self, id: u32) -> u32 {
        self.words[self.offs[id as usize] as usize + INFO]
    }

    #[inline]
    pub(super) fn kind(&self, id: u32) -> u32 {
        u32::from(self.kinds[id as usize])
    }

    #[inline]
    pub(super) fn word(&self, id: u32, pos: usize) -> u32 {
        self.words[self.offs[id as usize] as usize + pos]
    }

    #[inline]
    pub(super) fn set_word(&mut self, id: u32, pos: usize, value: u32) {
        let at = self.offs[id as usize] as usize + pos;
        self.words[at] = value;
    }
}

fn word_off(n: usize) -> Result<u32> {
    u32::try_from(n).map_err(|_| Error::invalid("dedup: more type data than 16 GiB"))
}

/// ENUM or ENUM64.
#[inline]
pub(super) fn is_any_enum(kind: u32) -> bool {
    kind == ENUM || kind == ENUM64
}
