//! Differential tests: btf-core against real libbpf 1.7.0 on the shared corpus, zero differences
//! required.
//!
//! For every BTF object (each vmlinux; each module split over its vmlinux, as raw bytes, as raw
//! files and as `.ko` ELF files) the tests compare the following. Each input path of btf-core is
//! covered: bytes copied (`from_bytes*`, 6.1.0-47 modules), files read and parsed in place
//! (`parse_file`: vmlinux, selected modules) and sealed memfds mapped (vmlinux, 6.1.0-54 modules):
//!
//!
//! * `type_cnt` and `start_id`;
//! * the record bytes of void, of every own type id (ours: [`TypeRef::words`] as native-endian
//!   bytes; libbpf: `btf__type_by_id` plus the record length), of base ids seen through the split
//!   (all of them for `.ko` files, every 7th for `modules/`, every 251st for the 4,022-module
//!   run — the vmlinux test compares each base id itself) and of out-of-range ids (both `None`);
//! * the string at every name offset of those records (type names, and for own types also member,
//!   enumerator and parameter names) and at out-of-range offsets;
//! * `resolve_size`, `resolve_type` and `align_of` of the same ids (base ids through a split:
//!   all for `.ko` files, every 16th for `modules/`, every 997th for the 4,022-module run) and of
//!   out-of-range ids;
//! * `pointer_size` and `endianness`;
//! * `find_by_name_kind(name, kind)` and `find_by_name(name)` for every distinct name (and
//!   (name, kind) pair) of the own named types, plus special queries.
//!
//! libbpf 1.7.0 finds names by a linear scan (its binary search only applies to BTF sorted by
//! name, which the corpus is not), so asking it for every name is quadratic: ~1–3 ms per query in
//! a debug build, where even a module's own names cost a scan of the 100k-type base. The
//! every-name comparison is therefore made against a *model* derived from libbpf's own view of the
//! data (the first id, base first, in `1..type_cnt` whose libbpf record has that kind and whose
//! libbpf name is that string — libbpf's lookup rule), and libbpf itself is asked for an evenly
//! spread sample of own names plus a list of special queries (void, kind 0, unknown and "any"
//! kinds, anonymous types, names that do not exist). Every real libbpf answer is also checked
//! against the model, so the model cannot silently drift from libbpf.
//! `exhaustive_libbpf_find_vmlinux` (ignored by default; run it in release) asks libbpf itself
//! for every name of one vmlinux.
//!
//! Each test collects all differences and fails at the end, printing the first 20 and the total,
//! and prints a one-line summary of what was compared to stderr. Tests skip (with a `SKIP` line)
//! when the corpus is absent.

use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use btf_core::{Btf, Endianness, Kind, TypeRef};
use btf_difftest::libbpf::{self, LibbpfBtf};
use btf_difftest::require_corpus;
use btf_difftest::{corpus, memfd};

/// Differences kept (with their messages) per report; the total is always counted.
const MAX_KEPT: usize = 10_000;
/// Differences printed when a test fails.
const MAX_PRINTED: usize = 20;
/// `kind` argument meaning "any kind" in [`find_libbpf`] / [`find_ours`].
const ANY: Option<u32> = None;

const K_INT: u32 = Kind::Int as u32;
const K_PTR: u32 = Kind::Ptr as u32;
const K_STRUCT: u32 = Kind::Struct as u32;
const K_UNION: u32 = Kind::Union as u32;
const K_ENUM: u32 = Kind::Enum as u32;
const K_FWD: u32 = Kind::Fwd as u32;
const K_TYPEDEF: u32 = Kind::Typedef as u32;
const K_CONST: u32 = Kind::Const as u32;
const K_FUNC: u32 = Kind::Func as u32;
const K_FUNC_PROTO: u32 = Kind::FuncProto as u32;
const K_VAR: u32 = Kind::Var as u32;
const K_DATASEC: u32 = Kind::Datasec as u32;
const K_DECL_TAG: u32 = Kind::DeclTag as u32;
const K_TYPE_TAG: u32 = Kind::TypeTag as u32;
const K_ENUM64: u32 = Kind::Enum64 as u32;

/// Queries asked of both libraries on every BTF object (on the 4,022-module run, a rotating
/// one or two of them per module): void and kind 0, the `__s32`-negative "any kind" values,
/// kinds libbpf 1.7 does not know, anonymous types (the empty name matches them) and names that
/// do not exist or only nearly exist.
const EXTRA_QUERIES: &[(&CStr, Option<u32>)] = &[
    (c"void", Some(0)),
    (c"void", Some(K_STRUCT)),
    (c"void", ANY),
    (c"", Some(0)),
    (c"task_struct", Some(0)),
    (c"no_such_type_at_all", Some(0)),
    (c"task_struct", Some(K_STRUCT)),
    (c"task_struct", Some(K_FWD)),
    (c"task_struct", ANY),
    (c"task_struct", Some(u32::MAX)),
    (c"task_struct", Some(0x8000_0000)),
    (c"task_struct", Some(20)),
    (c"task_struct", Some(31)),
    (c"task_struct", Some(32)),
    (c"int", Some(K_INT)),
    (c"long unsigned int", ANY),
    (c"size_t", Some(K_TYPEDEF)),
    (c"size_t", Some(K_STRUCT)),
    (c"list_head", Some(K_STRUCT)),
    (c"no_such_type_at_all", Some(K_STRUCT)),
    (c"no_such_type_at_all", ANY),
    (c"task_struc", ANY),
    (c"task_struct ", ANY),
    (c"struct task_struct", ANY),
    (c"TASK_STRUCT", ANY),
    (c"", ANY),
    (c"", Some(K_INT)),
    (c"", Some(K_PTR)),
    (c"", Some(K_STRUCT)),
    (c"", Some(K_UNION)),
    (c"", Some(K_ENUM)),
    (c"", Some(K_CONST)),
    (c"", Some(K_FUNC_PROTO)),
    (c"", Some(K_FUNC)),
    (c"", Some(K_VAR)),
    (c"", Some(K_DATASEC)),
    (c"", Some(K_DECL_TAG)),
    (c"", Some(K_TYPE_TAG)),
    (c"", Some(K_ENUM64)),
    (c"", Some(u32::MAX)),
];

// ---------------------------------------------------------------------------------------------
// Reporting
// ---------------------------------------------------------------------------------------------

/// Differences and counts of what was compared.
#[derive(Debug, Default)]
struct Report {
    diffs: Vec<String>,
    total_diffs: u64,
    btfs: u64,
    own_types: u64,
    records: u64,
    strings: u64,
    resolved: u64,
    finds_model: u64,
    finds_libbpf: u64,
}

impl Report {
    fn diff(&mut self, msg: String) {
        self.total_diffs += 1;
        if self.diffs.len() < MAX_KEPT {
            self.diffs.push(msg);
        }
    }

    /// Records a difference (message built only on failure) unless `same`.
    fn check(&mut self, same: bool, msg: impl FnOnce() -> String) {
        if !same {
            self.diff(msg());
        }
    }

    fn merge(&mut self, other: Report) {
        let room = MAX_KEPT.saturating_sub(self.diffs.len());
        self.diffs.extend(other.diffs.into_iter().take(room));
        self.total_diffs += other.total_diffs;
        self.btfs += other.btfs;
        self.own_types += other.own_types;
        self.records += other.records;
        self.strings += other.strings;
        self.resolved += other.resolved;
        self.finds_model += other.finds_model;
        self.finds_libbpf += other.finds_libbpf;
    }

    /// Prints the summary line and fails with the first differences if there are any.
    fn finish(self, what: &str, started: Instant) {
        eprintln!(
            "differential {what}: {} BTFs ({} own types), {} type records, {} strings, {} ids \
             resolved (size/type/align), {} find queries vs libbpf-derived model, {} vs libbpf \
             itself: {} differences in {:.1?}",
            self.btfs,
            self.own_types,
            self.records,
            self.strings,
            self.resolved,
            self.finds_model,
            self.finds_libbpf,
            self.total_diffs,
            started.elapsed()
        );
        if self.total_diffs == 0 {
            return;
        }
        for d in self.diffs.iter().take(MAX_PRINTED) {
            eprintln!("  DIFF {d}");
        }
        assert!(
            self.diffs.is_empty(),
            "{what}: {} differences between btf-core and libbpf (first {} above)",
            self.total_diffs,
            MAX_PRINTED.min(self.diffs.len())
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The find model
// ---------------------------------------------------------------------------------------------

/// FxHash-style hasher: the test's hash maps hold a vmlinux worth of names and are rebuilt for
/// every module, and SipHash is slow in debug builds.
#[derive(Clone, Copy, Debug, Default)]
struct FastHasher(u64);

impl FastHasher {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap()));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// First id of every name and of every (name, kind) pair among ids `from..to`, computed from
/// libbpf's records and strings (names borrowed from the libbpf object).
#[derive(Debug, Default)]
struct FindModel<'a> {
    by_name: FastMap<&'a [u8], u32>,
    by_name_kind: FastMap<(&'a [u8], u32), u32>,
}

fn word(rec: &[u8], i: usize) -> u32 {
    u32::from_ne_bytes(rec[4 * i..4 * i + 4].try_into().unwrap())
}

impl<'a> FindModel<'a> {
    fn build(theirs: &'a LibbpfBtf, from: u32, to: u32) -> FindModel<'a> {
        let mut m = FindModel::default();
        for id in from..to {
            let Some(rec) = theirs.type_record(id) else {
                continue;
            };
            let kind = (word(rec, 1) >> 24) & 0x1f;
            let Some(name) = theirs.name_by_offset(word(rec, 0)) else {
                continue;
            };
            let name = name.to_bytes();
            m.by_name.entry(name).or_insert(id);
            m.by_name_kind.entry((name, kind)).or_insert(id);
        }
        m
    }

    fn get(&self, name: &[u8], kind: Option<u32>) -> Option<u32> {
        match kind {
            None => self.by_name.get(name).copied(),
            Some(k) => self.by_name_kind.get(&(name, k)).copied(),
        }
    }
}

/// The model's answer for a split over `base` (base first, then own types).
fn model_find(
    base: Option<&FindModel<'_>>,
    own: &FindModel<'_>,
    name: &[u8],
    kind: Option<u32>,
) -> Option<u32> {
    base.and_then(|b| b.get(name, kind))
        .or_else(|| own.get(name, kind))
}

fn find_ours(ours: &Btf, name: &[u8], kind: Option<u32>) -> Option<u32> {
    match kind {
        None => ours.find_by_name(name),
        Some(k) => ours.find_by_name_kind(name, k),
    }
}

/// libbpf's answer: `Ok(Some(id))`, `Ok(None)` for `-ENOENT`, `Err(ret)` for anything else.
fn find_libbpf(theirs: &LibbpfBtf, name: &CStr, kind: Option<u32>) -> Result<Option<u32>, i32> {
    let ret = match kind {
        None => theirs.find_by_name(name),
        Some(k) => theirs.find_by_name_kind(name, k),
    };
    match ret {
        id if id >= 0 => Ok(Some(id as u32)),
        e if e == -libc::ENOENT => Ok(None),
        e => Err(e),
    }
}

fn show_kind(kind: Option<u32>) -> String {
    kind.map_or_else(|| "any".to_owned(), |k| k.to_string())
}

// ---------------------------------------------------------------------------------------------
// Comparing one BTF object
// ---------------------------------------------------------------------------------------------

/// How much of one BTF object to compare.
#[derive(Clone, Copy, Debug)]
struct Depth {
    /// Base ids seen through a split: record and name of every `base_record_stride`-th id
    /// (1 = all; the last base id always), resolve results of every `base_resolve_stride`-th.
    base_record_stride: u32,
    base_resolve_stride: u32,
    /// Own named types whose finds are asked of libbpf itself (evenly spread), and which queries.
    samples: usize,
    sample_queries: SampleQueries,
    /// Which of [`EXTRA_QUERIES`] to ask: all, or `n` of them starting at index `at * n` (rotating).
    extras: Extras,
}

/// Which find queries a sampled own named type is asked with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SampleQueries {
    /// `find_by_name_kind(name, kind)` and `find_by_name(name)`.
    Both,
    KindOnly,
    AnyOnly,
}

#[derive(Clone, Copy, Debug)]
enum Extras {
    All,
    Rotate { at: usize, n: usize },
}

fn words_eq_bytes(words: &[u32], bytes: &[u8]) -> bool {
    bytes.len() == words.len() * 4
        && bytes
            .chunks_exact(4)
            .zip(words)
            .all(|(b, w)| b == w.to_ne_bytes())
}

fn words_hex(words: &[u32]) -> String {
    words
        .iter()
        .take(12)
        .map(|w| format!("{w:08x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn bytes_hex(bytes: &[u8]) -> String {
    bytes
        .chunks(4)
        .take(12)
        .map(|c| {
            if c.len() == 4 {
                format!("{:08x}", u32::from_ne_bytes(c.try_into().unwrap()))
            } else {
                format!("{c:02x?}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every string offset a record holds: its name, and member / enumerator / parameter names.
fn name_offsets(t: &TypeRef<'_>) -> Vec<u32> {
    let mut offs = vec![t.name_off()];
    match t.kind() {
        Some(Kind::Struct | Kind::Union) => offs.extend(t.members().map(|m| m.name_off)),
        Some(Kind::Enum) => offs.extend(t.enum_values().map(|v| v.name_off)),
        Some(Kind::Enum64) => offs.extend(t.enum64_values().map(|v| v.name_off)),
        Some(Kind::FuncProto) => offs.extend(t.params().map(|p| p.name_off)),
        _ => {}
    }
    offs
}

fn show<T: std::fmt::Debug>(r: &btf_core::Result<T>) -> String {
    match r {
        Ok(v) => format!("Ok({v:?})"),
        Err(e) => format!("Err(errno {}: {})", e.errno(), e.message()),
    }
}

fn same_size(ours: &btf_core::Result<u64>, theirs: i64) -> bool {
    match ours {
        Ok(n) => theirs >= 0 && *n == theirs as u64,
        Err(e) => theirs == -i64::from(e.errno()),
    }
}

fn same_type(ours: &btf_core::Result<u32>, theirs: i32) -> bool {
    match ours {
        Ok(n) => theirs >= 0 && *n == theirs as u32,
        Err(e) => theirs == -e.errno(),
    }
}

fn same_align(ours: &btf_core::Result<u32>, (align, errno): (i32, i32)) -> bool {
    match ours {
        Ok(n) => align >= 0 && *n == align as u32,
        Err(e) => align == 0 && errno == e.errno(),
    }
}

/// Compares record, strings (all of a record's for `own` types, else its name) and, if
/// `resolve`, the resolve results of one id.
fn compare_id(
    label: &str,
    ours: &Btf,
    theirs: &LibbpfBtf,
    id: u32,
    (own, resolve): (bool, bool),
    rep: &mut Report,
) {
    let o = ours.type_by_id(id);
    let t = theirs.type_record(id);
    rep.records += 1;
    match (o, t) {
        (Some(o), Some(t)) => {
            rep.check(words_eq_bytes(o.words(), t), || {
                format!(
                    "{label}: type [{id}] record: ours {} / libbpf {}",
                    words_hex(o.words()),
                    bytes_hex(t)
                )
            });
            let offs = if own {
                name_offsets(&o)
            } else {
                vec![o.name_off()]
            };
            for off in offs {
                rep.strings += 1;
                let (a, b) = (ours.str_by_offset(off), theirs.name_by_offset(off));
                rep.check(a == b, || {
                    format!("{label}: type [{id}] string at {off}: ours {a:?} / libbpf {b:?}")
                });
            }
        }
        (None, None) => {}
        (o, t) => rep.diff(format!(
            "{label}: type [{id}] exists: ours {} / libbpf {}",
            o.is_some(),
            t.is_some()
        )),
    }
    if resolve {
        compare_resolve(label, ours, theirs, id, rep);
    }
}

fn compare_resolve(label: &str, ours: &Btf, theirs: &LibbpfBtf, id: u32, rep: &mut Report) {
    rep.resolved += 1;
    let (a, b) = (ours.resolve_size(id), theirs.resolve_size(id));
    rep.check(same_size(&a, b), || {
        format!(
            "{label}: resolve_size({id}): ours {} / libbpf {b}",
            show(&a)
        )
    });
    let (a, b) = (ours.resolve_type(id), theirs.resolve_type(id));
    rep.check(same_type(&a, b), || {
        format!(
            "{label}: resolve_type({id}): ours {} / libbpf {b}",
            show(&a)
        )
    });
    let (a, b) = (ours.align_of(id), theirs.align_of(id));
    rep.check(same_align(&a, b), || {
        format!(
            "{label}: align_of({id}): ours {} / libbpf {} (errno {})",
            show(&a),
            b.0,
            b.1
        )
    });
}

/// Asks both libraries and the model one find query.
fn compare_find_libbpf(
    label: &str,
    ours: &Btf,
    theirs: &LibbpfBtf,
    models: (Option<&FindModel<'_>>, &FindModel<'_>),
    name: &CStr,
    kind: Option<u32>,
    rep: &mut Report,
) {
    rep.finds_libbpf += 1;
    let a = find_ours(ours, name.to_bytes(), kind);
    let b = find_libbpf(theirs, name, kind);
    rep.check(Ok(a) == b, || {
        format!(
            "{label}: find({name:?}, kind {}): ours {a:?} / libbpf {b:?}",
            show_kind(kind)
        )
    });
    // The model describes name lookups; void and kind 0 are special cases in both libraries.
    // A kind that is negative as `__s32` means any kind to libbpf.
    let model_kind = match kind {
        _ if name.to_bytes() == b"void" => None,
        Some(0) => None,
        Some(k) if (k as i32) < 0 => Some(ANY),
        kind => Some(kind),
    };
    if let Some(as_kind) = model_kind {
        let m = model_find(models.0, models.1, name.to_bytes(), as_kind);
        rep.check(Ok(m) == b, || {
            format!(
                "{label}: find({name:?}, kind {}): test model {m:?} / libbpf {b:?} (test bug)",
                show_kind(kind)
            )
        });
    }
}

/// Compares two parsed BTF objects. `base_model` is the find model of the base (for a split).
fn compare_btf(
    label: &str,
    ours: &Btf,
    theirs: &LibbpfBtf,
    base_model: Option<&FindModel<'_>>,
    depth: Depth,
    rep: &mut Report,
) {
    rep.btfs += 1;
    let cnt = ours.type_cnt();
    let start = ours.start_id();
    rep.check(cnt == theirs.type_cnt(), || {
        format!(
            "{label}: type_cnt: ours {cnt} / libbpf {}",
            theirs.type_cnt()
        )
    });
    rep.check(start == theirs.start_id(), || {
        format!(
            "{label}: start_id: ours {start} / libbpf {}",
            theirs.start_id()
        )
    });
    if cnt != theirs.type_cnt() || start != theirs.start_id() {
        return;
    }
    rep.own_types += u64::from(cnt - start);

    // Records, strings and resolves: void, base ids (maybe sampled), every own id, and beyond.
    compare_id(label, ours, theirs, 0, (false, true), rep);
    let record_stride = depth.base_record_stride.max(1);
    let resolve_stride = depth.base_resolve_stride.max(1);
    let mut base_ids: Vec<u32> = (record_stride..start)
        .step_by(record_stride as usize)
        .chain((resolve_stride..start).step_by(resolve_stride as usize))
        .chain(start.checked_sub(1).filter(|&last| last > 0))
        .collect();
    base_ids.sort_unstable();
    base_ids.dedup();
    for id in base_ids {
        let resolve = id % resolve_stride == 0 || id == start - 1;
        compare_id(label, ours, theirs, id, (false, resolve), rep);
    }
    for id in start..cnt {
        compare_id(label, ours, theirs, id, (true, true), rep);
    }
    for id in [cnt, cnt + 1, cnt + 1000, u32::MAX] {
        compare_id(label, ours, theirs, id, (false, true), rep);
    }
    let str_end = ours.str_end();
    for off in [str_end, str_end + 1, u32::MAX] {
        rep.strings += 1;
        let (a, b) = (ours.str_by_offset(off), theirs.name_by_offset(off));
        rep.check(a == b, || {
            format!("{label}: string at {off} (end {str_end}): ours {a:?} / libbpf {b:?}")
        });
    }

    let (a, b) = (ours.pointer_size(), theirs.pointer_size());
    rep.check(a.map_or(0, |n| n as usize) == b, || {
        format!("{label}: pointer_size: ours {a:?} / libbpf {b}")
    });
    let (a, b) = (ours.endianness(), theirs.endianness());
    rep.check((a == Endianness::Big) == (b == 1), || {
        format!("{label}: endianness: ours {a:?} / libbpf {b}")
    });

    // Find: every distinct own name and (name, kind) pair against the model built from libbpf.
    let own_model = FindModel::build(theirs, start, cnt);
    let models = (base_model, &own_model);
    let mut named: Vec<(u32, &[u8], u32)> = Vec::new();
    for name in own_model.by_name.keys() {
        if name.is_empty() {
            continue;
        }
        rep.finds_model += 1;
        let m = model_find(base_model, &own_model, name, ANY);
        let a = ours.find_by_name(name);
        rep.check(a == m, || {
            format!(
                "{label}: find_by_name({:?}): ours {a:?} / libbpf model {m:?}",
                String::from_utf8_lossy(name)
            )
        });
    }
    for ((name, kind), &id) in &own_model.by_name_kind {
        if name.is_empty() {
            continue;
        }
        rep.finds_model += 1;
        let m = model_find(base_model, &own_model, name, Some(*kind));
        let a = ours.find_by_name_kind(name, *kind);
        rep.check(a == m, || {
            format!(
                "{label}: find_by_name_kind({:?}, {kind}): ours {a:?} / libbpf model {m:?}",
                String::from_utf8_lossy(name)
            )
        });
        named.push((id, name, *kind));
    }

    // Find: libbpf itself, for an evenly spread sample of own named types...
    named.sort_unstable_by_key(|&(id, _, _)| id);
    let n = depth.samples.min(named.len());
    for i in 0..n {
        let (_, name, kind) = named[i * named.len() / n];
        let name = CString::new(name).unwrap();
        if depth.sample_queries != SampleQueries::AnyOnly {
            compare_find_libbpf(label, ours, theirs, models, &name, Some(kind), rep);
        }
        if depth.sample_queries != SampleQueries::KindOnly {
            compare_find_libbpf(label, ours, theirs, models, &name, ANY, rep);
        }
    }
    // ...and for the special queries.
    let extras: Vec<&(&CStr, Option<u32>)> = match depth.extras {
        Extras::All => EXTRA_QUERIES.iter().collect(),
        Extras::Rotate { at, n } => (0..n)
            .map(|i| &EXTRA_QUERIES[(at * n + i) % EXTRA_QUERIES.len()])
            .collect(),
    };
    for &&(name, kind) in &extras {
        compare_find_libbpf(label, ours, theirs, models, name, kind, rep);
    }
}

// ---------------------------------------------------------------------------------------------
// Drivers
// ---------------------------------------------------------------------------------------------

/// Worker threads: two on the 2-core test machines, at most four.
fn workers(jobs: usize) -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4)
        .min(jobs.max(1))
}

/// Runs `job(index, state)` for every index in `0..jobs` on [`workers`] threads, each with its
/// own `state` from `init` (e.g. its own libbpf base, so that threads do not serialize on the
/// base's lock), and merges their reports.
fn parallel<S>(
    jobs: usize,
    init: impl Fn() -> S + Sync,
    job: impl Fn(usize, &S, &mut Report) + Sync,
) -> Report {
    let next = AtomicUsize::new(0);
    let mut total = Report::default();
    let reports: Vec<Report> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers(jobs))
            .map(|_| {
                s.spawn(|| {
                    let state = init();
                    let mut rep = Report::default();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= jobs {
                            break;
                        }
                        job(i, &state, &mut rep);
                    }
                    rep
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in reports {
        total.merge(r);
    }
    total
}

/// Where a split BTF comes from.
#[derive(Debug)]
enum Source {
    /// Raw bytes: `Btf::from_bytes_split` vs `btf__new_split`.
    Bytes(String, Vec<u8>),
    /// A raw BTF or ELF file: `Btf::parse_file(path, Some(base))` vs `btf__parse_split`.
    File(PathBuf),
    /// Raw bytes in a sealed memfd, which btf-core maps (its mapped input path, as for sysfs),
    /// vs `btf__new_split` on the same bytes.
    Mapped(String, Vec<u8>),
}

impl Source {
    fn label(&self, ver: &str) -> String {
        match self {
            Source::Bytes(name, _) => format!("{ver}/{name}"),
            Source::Mapped(name, _) => format!("{ver}/{name} (mapped)"),
            Source::File(p) => format!("{ver}/{}", p.file_name().unwrap().to_string_lossy()),
        }
    }
}

/// Parses every source as split BTF over `vmlinux/<ver>.btf` with both libraries and compares.
/// Our base is parsed once and shared; libbpf's base is parsed once per worker thread.
fn compare_splits(ver: &str, sources: &[Source], depth: impl Fn(usize) -> Depth + Sync) -> Report {
    libbpf::quiet();
    let base_path = corpus::vmlinux_file(ver).unwrap_or_else(|| panic!("vmlinux/{ver}.btf"));
    let ours_base = Arc::new(Btf::parse_file(&base_path, None).expect("our vmlinux parse"));
    let model_source = LibbpfBtf::parse(&base_path).expect("libbpf vmlinux parse");
    let base_model = FindModel::build(&model_source, 1, model_source.type_cnt());
    parallel(
        sources.len(),
        || Arc::new(LibbpfBtf::parse(&base_path).expect("libbpf vmlinux parse")),
        |i, their_base, rep| {
            let src = &sources[i];
            let label = src.label(ver);
            let (ours, theirs) = match src {
                Source::Bytes(_, bytes) => (
                    Btf::from_bytes_split(bytes, Arc::clone(&ours_base)),
                    LibbpfBtf::from_bytes_split(bytes, their_base),
                ),
                Source::File(path) => (
                    Btf::parse_file(path, Some(Arc::clone(&ours_base))),
                    LibbpfBtf::parse_split(path, their_base),
                ),
                Source::Mapped(_, bytes) => {
                    let file = memfd::memfd_with(bytes, true);
                    let ours = Btf::parse_file(memfd::fd_path(&file), Some(Arc::clone(&ours_base)));
                    if let Ok(o) = &ours {
                        if !o.is_mapped() {
                            rep.diff(format!("{label}: a sealed memfd was not mapped"));
                        }
                    }
                    (ours, LibbpfBtf::from_bytes_split(bytes, their_base))
                }
            };
            match (ours, theirs) {
                (Ok(ours), Ok(theirs)) => {
                    compare_btf(&label, &ours, &theirs, Some(&base_model), depth(i), rep);
                }
                (Err(e), Err(errno)) => rep.diff(format!(
                    "{label}: both reject valid corpus data: ours errno {} ({}) / libbpf errno {errno}",
                    e.errno(),
                    e.message()
                )),
                (Err(e), Ok(_)) => rep.diff(format!(
                    "{label}: ours rejects (errno {}: {}), libbpf accepts",
                    e.errno(),
                    e.message()
                )),
                (Ok(_), Err(errno)) => {
                    rep.diff(format!("{label}: ours accepts, libbpf rejects (errno {errno})"));
                }
            }
        },
    )
}

fn file_name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

/// Every corpus vmlinux, every id, through both input paths of `Btf::parse_file`: the file read
/// into one buffer and parsed in place, and the same bytes in a sealed memfd, mapped.
#[test]
fn vmlinux() {
    let _dir = require_corpus!("differential::vmlinux");
    libbpf::quiet();
    let started = Instant::now();
    let files = corpus::vmlinux_files();
    assert_eq!(files.len(), 4, "corpus vmlinux files");
    let depth = Depth {
        base_record_stride: 1,
        base_resolve_stride: 1,
        samples: 150,
        sample_queries: SampleQueries::Both,
        extras: Extras::All,
    };
    let rep = parallel(
        files.len() * 2,
        || (),
        |i, _, rep| {
            let (path, mapped) = (&files[i / 2], i % 2 == 1);
            let memfd = mapped.then(|| memfd::memfd_with(&std::fs::read(path).unwrap(), true));
            let label = format!(
                "{}{}",
                file_name(path),
                if mapped { " (mapped)" } else { "" }
            );
            let ours = match &memfd {
                Some(f) => Btf::parse_file(memfd::fd_path(f), None),
                None => Btf::parse_file(path, None),
            };
            if ours.as_ref().is_ok_and(|o| o.is_mapped() != mapped) {
                rep.diff(format!("{label}: is_mapped() is not {mapped}"));
            }
            let theirs = LibbpfBtf::parse(path);
            match (ours, theirs) {
                (Ok(ours), Ok(theirs)) => compare_btf(&label, &ours, &theirs, None, depth, rep),
                (ours, theirs) => rep.diff(format!(
                    "{label}: parse: ours {:?} / libbpf {:?}",
                    ours.map(|_| ()).map_err(|e| e.errno()),
                    theirs.map(|_| ())
                )),
            }
        },
    );
    rep.finish("vmlinux", started);
}

/// All 4,022 modules of 6.1.0-47, raw split BTF bytes (`Btf::from_bytes_split` /
/// `btf__new_split`) over the 6.1.0-47 vmlinux: every own id, sampled base ids.
#[test]
fn modules_all_6_1_0_47() {
    modules_all("6.1.0-47", 4022);
}

/// All 4,023 modules of 6.1.0-54, each in a sealed memfd that btf-core maps (`Btf::parse_file`
/// on its `/proc/self/fd` path), vs `btf__new_split` on the same bytes.
#[test]
fn modules_all_6_1_0_54() {
    modules_all("6.1.0-54", 4023);
}

fn modules_all(ver: &str, expected: usize) {
    let mapped = ver == "6.1.0-54";
    let _dir = require_corpus!("differential::modules_all");
    let started = Instant::now();
    let modules = corpus::modules_all(ver).expect("modules-all archive");
    assert_eq!(
        modules.len(),
        expected,
        "modules in modules-all/{ver}.tar.zst"
    );
    let sources: Vec<Source> = modules
        .into_iter()
        .map(|(name, bytes)| {
            if mapped {
                Source::Mapped(name, bytes)
            } else {
                Source::Bytes(name, bytes)
            }
        })
        .collect();
    // One query to libbpf itself per module (each costs a scan of the 100k-type base), rotating
    // between a sampled own name with its kind, one with any kind, and the next special query.
    let rep = compare_splits(ver, &sources, |i| Depth {
        base_record_stride: 251,
        base_resolve_stride: 997,
        samples: usize::from(i % 3 != 2),
        sample_queries: if i % 3 == 0 {
            SampleQueries::KindOnly
        } else {
            SampleQueries::AnyOnly
        },
        extras: Extras::Rotate {
            at: i / 3,
            n: usize::from(i % 3 == 2),
        },
    });
    let compared = rep.btfs as usize;
    rep.finish(&format!("modules-all/{ver}"), started);
    assert_eq!(compared, expected);
}

/// The selected modules' raw split BTF files of every build, `modules/<ver>/*.btf`, read with
/// `Btf::parse_file` / `btf__parse_split` over their own vmlinux: every own id, sampled base ids.
#[test]
fn selected_modules() {
    let dir = require_corpus!("differential::selected_modules");
    let started = Instant::now();
    let mut rep = Report::default();
    let mut vers: Vec<String> = std::fs::read_dir(dir.join("modules"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    vers.sort();
    assert!(vers.iter().any(|v| v == "6.1.0-54") && vers.iter().any(|v| v == "6.12.115"));
    for ver in &vers {
        let sources: Vec<Source> = corpus::selected_modules(ver)
            .into_iter()
            .map(Source::File)
            .collect();
        assert!(!sources.is_empty(), "modules/{ver}");
        rep.merge(compare_splits(ver, &sources, |i| Depth {
            base_record_stride: 7,
            base_resolve_stride: 16,
            samples: 4,
            sample_queries: SampleQueries::Both,
            extras: Extras::Rotate { at: i, n: 8 },
        }));
    }
    rep.finish("modules/*/*.btf", started);
}

/// The kernel module ELF files, `ko/<ver>/*.ko`, read with `Btf::parse_file` / `btf__parse_split`
/// over their vmlinux: every id, base ids included.
#[test]
fn ko_files() {
    let _dir = require_corpus!("differential::ko_files");
    let started = Instant::now();
    let kos = corpus::ko_files();
    assert!(!kos.is_empty());
    let mut rep = Report::default();
    let mut vers: Vec<&str> = kos.iter().map(|(v, _)| v.as_str()).collect();
    vers.dedup();
    for ver in vers {
        let sources: Vec<Source> = kos
            .iter()
            .filter(|(v, _)| v == ver)
            .map(|(_, p)| Source::File(p.clone()))
            .collect();
        rep.merge(compare_splits(ver, &sources, |_| Depth {
            base_record_stride: 1,
            base_resolve_stride: 1,
            samples: 16,
            sample_queries: SampleQueries::Both,
            extras: Extras::All,
        }));
    }
    rep.finish("ko/*/*.ko", started);
}

/// libbpf itself asked for every distinct own name and (name, kind) pair of one vmlinux (the
/// tests above ask a model derived from libbpf's data, and libbpf for a sample). Quadratic in
/// libbpf: run it in release (`cargo test --release -- --ignored exhaustive`).
#[test]
fn exhaustive_libbpf_find_vmlinux() {
    let _dir = require_corpus!("differential::exhaustive_libbpf_find_vmlinux");
    libbpf::quiet();
    let started = Instant::now();
    let ver = std::env::var("BTF_EXHAUSTIVE_VER").unwrap_or_else(|_| "6.18.44".to_owned());
    let path = corpus::vmlinux_file(&ver).expect("vmlinux in corpus");
    let ours = Btf::parse_file(&path, None).unwrap();
    let model_source = LibbpfBtf::parse(&path).unwrap();
    let model = FindModel::build(&model_source, 1, ours.type_cnt());
    let mut queries: Vec<(CString, Option<u32>)> = model
        .by_name
        .keys()
        .map(|n| (CString::new(*n).unwrap(), ANY))
        .chain(
            model
                .by_name_kind
                .keys()
                .map(|(n, k)| (CString::new(*n).unwrap(), Some(*k))),
        )
        .collect();
    queries.sort();
    let chunk = queries.len().div_ceil(workers(queries.len()));
    let chunks: Vec<&[(CString, Option<u32>)]> = queries.chunks(chunk.max(1)).collect();
    let rep = parallel(
        chunks.len(),
        || LibbpfBtf::parse(&path).unwrap(),
        |i, theirs, rep| {
            for (name, kind) in chunks[i] {
                compare_find_libbpf(&ver, &ours, theirs, (None, &model), name, *kind, rep);
            }
        },
    );
    rep.finish(&format!("exhaustive find, vmlinux {ver}"), started);
}
