//! Bodies of libbtf's fuzz targets over btf-core: one `pub fn <target>(data: &[u8])` per entry
//! point that takes untrusted bytes. Each asserts properties (output we write parses again and
//! round-trips, queries on every id succeed or fail cleanly, ...), so a panic here is a finding.
//!
//! `fuzz/` (its own cargo workspace) wraps each function in a libFuzzer binary; `tests/replay.rs`
//! runs every file of `fuzz/regressions/<target>/` and `fuzz/seeds/<target>/` through the same
//! functions on stable Rust. The C-ABI target lives in `btf-fuzz-capi` and the differential targets
//! (against libbpf 1.7.0) in `btf-fuzz-diff`: libbtf and libbpf export the same C symbols, so each
//! must be linked into binaries of its own.

use std::io;
use std::sync::{Arc, OnceLock};

use btf_core::check::{BaseChecker, Verdict};
use btf_core::co_re::{CandidateCache, ResolveOptions, Targets, resolve_relo};
use btf_core::ext::CoreRelo;
use btf_core::object::BpfObject;
use btf_core::validate::{validate_bytes, validate_module_bytes};
use btf_core::{Btf, BtfExt, CDump, DataOptions, DedupOptions, Endianness, elf, text};

mod writer;

pub use writer::writer;

/// A target: its name (the folder under `fuzz/seeds/` and `fuzz/regressions/`) and its body.
pub type Target = (&'static str, fn(&[u8]));

/// Every target of this crate.
pub const TARGETS: &[Target] = &[
    ("parse_raw", parse_raw),
    ("parse_split", parse_split),
    ("elf", elf),
    ("btf_ext", btf_ext),
    ("distill_relocate", distill_relocate),
    ("dedup", dedup),
    ("writer", writer),
    ("c_dump", c_dump),
    ("co_re", co_re),
    ("validate", validate),
];

/// The fixed base of the split targets: `test-data/small.btf` (1,132 bytes, 40-odd types).
pub const SMALL_BTF: &[u8] = include_bytes!("../../../test-data/small.btf");
/// The fixed CO-RE target: a small "kernel" with other layouts than the seeds' BPF object
/// (`fuzz/data/core-target.c`, compiled by clang for BPF).
pub const CORE_TARGET_ELF: &[u8] = include_bytes!("../../../fuzz/data/core-target.o");

/// `test-data/small.btf`, parsed once.
pub fn small_base() -> &'static Arc<Btf> {
    static BASE: OnceLock<Arc<Btf>> = OnceLock::new();
    BASE.get_or_init(|| Arc::new(Btf::from_bytes(SMALL_BTF).expect("test-data/small.btf parses")))
}

fn core_target() -> &'static Btf {
    static TARGET: OnceLock<Btf> = OnceLock::new();
    TARGET.get_or_init(|| {
        Btf::parse_elf_bytes(CORE_TARGET_ELF, None)
            .expect("fuzz/data/core-target.o parses")
            .btf
    })
}

/// Largest input the targets look at: libFuzzer's `-max_len` is set lower by `make fuzz`, and a
/// replayed file larger than this is cut (the quadratic-time dedup of huge inputs is not what we
/// look for here).
pub const MAX_INPUT: usize = 1 << 16;

fn cap(data: &[u8]) -> &[u8] {
    &data[..data.len().min(MAX_INPUT)]
}

fn flip(e: Endianness) -> Endianness {
    match e {
        Endianness::Little => Endianness::Big,
        Endianness::Big => Endianness::Little,
    }
}

fn parse_over(data: &[u8], base: Option<&Arc<Btf>>) -> btf_core::Result<Btf> {
    match base {
        Some(b) => Btf::from_bytes_split(data, Arc::clone(b)),
        None => Btf::from_bytes(data),
    }
}

/// Same type records and names, own ids only.
fn assert_same_types(a: &Btf, b: &Btf, what: &str) {
    assert_eq!(a.type_cnt(), b.type_cnt(), "{what}: type count");
    assert_eq!(a.start_id(), b.start_id(), "{what}: start id");
    for id in a.start_id()..a.type_cnt() {
        let (ta, tb) = (a.type_by_id(id).unwrap(), b.type_by_id(id).unwrap());
        assert_eq!(ta.words(), tb.words(), "{what}: record of [{id}]");
        assert_eq!(a.name_of(&ta), b.name_of(&tb), "{what}: name of [{id}]");
    }
}

/// Queries on every id succeed or fail cleanly; lookups by name find a type of that name.
pub fn query_all(btf: &Btf) {
    let cnt = btf.type_cnt();
    assert!(btf.start_id() <= cnt);
    assert!(btf.type_by_id(cnt).is_none(), "type_by_id(type_cnt) exists");
    for id in 0..cnt {
        let t = btf
            .type_by_id(id)
            .unwrap_or_else(|| panic!("type [{id}] of {cnt} missing"));
        assert_eq!(t.id(), id);
        let _ = btf.resolve_size(id);
        if let Ok(r) = btf.resolve_type(id) {
            assert!(r < cnt, "resolve_type([{id}]) = {r} out of range");
        }
        let _ = btf.align_of(id);
        let _ = btf_core::kind_name(&t);
        let _ = text::write_raw_type(&mut io::sink(), btf, &t);
        let name = btf.name_of(&t).to_vec();
        if !name.is_empty() && id >= btf.start_id() && id < btf.start_id() + 64 {
            let found = btf
                .find_by_name(&name)
                .unwrap_or_else(|| panic!("find_by_name of [{id}]'s name finds nothing"));
            assert!(found <= id, "find_by_name found [{found}] after [{id}]");
            let ft = btf.type_by_id(found).unwrap();
            // "void" is type 0 whatever the types are named (libbpf's `btf__find_by_name`).
            let expected: &[u8] = if name == b"void" { b"" } else { &name };
            assert_eq!(
                btf.name_of(&ft),
                expected,
                "find_by_name found another name"
            );
            if let Some(k) = t.kind() {
                let fk = btf
                    .find_by_name_kind(&name, k as u32)
                    .expect("find_by_name_kind finds the type's own name and kind");
                assert!(fk <= id);
            }
        }
    }
    let _ = text::write_raw_dump(&mut io::sink(), btf);
}

/// Output we write parses again and round-trips: the unmodified bytes, the rebuilt bytes (in
/// either byte order) and, for canonical input, rebuilt == input.
pub fn roundtrip(btf: &Btf, input: &[u8], base: Option<&Arc<Btf>>) {
    let raw = btf.raw_data().into_owned();
    let again = parse_over(&raw, base).expect("raw_data of a parsed object parses again");
    assert_same_types(btf, &again, "raw_data reparsed");
    assert_eq!(&*again.raw_data(), &raw[..], "raw_data is not a fixpoint");

    let mut m = btf.clone();
    m.make_modifiable();
    let canon = m.raw_data().into_owned();
    let c = parse_over(&canon, base).expect("raw_data of a modified object parses");
    assert_same_types(btf, &c, "rebuilt raw_data reparsed");
    let h = btf.header();
    if h.hdr_len == 24
        && h.str_off == h.type_len
        && input.len() as u64 == 24 + u64::from(h.type_len) + u64::from(h.str_len)
    {
        assert_eq!(canon, input, "canonical input rebuilt differently");
    }
    let orig = btf.endianness();
    let flipped = m.raw_data_in(flip(orig)).into_owned();
    let f = parse_over(&flipped, base).expect("raw_data in the other byte order parses");
    assert_eq!(f.endianness(), flip(orig));
    assert_same_types(btf, &f, "other byte order reparsed");
    let mut fm = f.clone();
    fm.make_modifiable();
    let back = fm.raw_data_in(orig).into_owned();
    if matches!(btf.header().hdr_len, 24 | 32) {
        assert_eq!(back, canon, "byte order round trip changed the bytes");
    } else {
        // Other header lengths are cut to what the other byte order's readers take (24 or 32):
        // the round trip gives the same types, and is exact from there on (fuzz finding F1).
        let b = parse_over(&back, base).expect("byte order round trip output parses");
        assert_same_types(btf, &b, "byte order round trip reparsed");
    }
}

/// Raw BTF (`btf__new`).
pub fn parse_raw(data: &[u8]) {
    let data = cap(data);
    if let Ok(btf) = Btf::from_bytes(data) {
        query_all(&btf);
        roundtrip(&btf, data, None);
    }
}

/// Raw split BTF over `test-data/small.btf` (`btf__new_split`).
pub fn parse_split(data: &[u8]) {
    let data = cap(data);
    let base = small_base();
    if let Ok(btf) = Btf::from_bytes_split(data, Arc::clone(base)) {
        assert_eq!(btf.start_id(), base.type_cnt());
        query_all(&btf);
        roundtrip(&btf, data, Some(base));
    }
}

/// ELF files, compressed or not (`btf__parse_elf`, `btf__parse_split` of a `.ko.zst`), their
/// `.BTF.ext` and `.BTF.base`. The same bytes one byte into a buffer give the same answer.
pub fn elf(data: &[u8]) {
    let data = cap(data);
    let plain = btf_core::decompress(data);
    let unaligned = {
        let mut v = Vec::with_capacity(data.len() + 1);
        v.push(0);
        v.extend_from_slice(data);
        v
    };
    let a = Btf::parse_elf_bytes(data, None);
    let b = Btf::parse_elf_bytes(&unaligned[1..], None);
    assert_eq!(
        a.as_ref()
            .map(|e| e.btf.raw_data().into_owned())
            .map_err(|e| e.errno()),
        b.as_ref()
            .map(|e| e.btf.raw_data().into_owned())
            .map_err(|e| e.errno()),
        "alignment changed the result"
    );
    if let Ok(e) = a {
        query_all(&e.btf);
        if e.btf.base().is_none() {
            roundtrip(&e.btf, &[], None);
        }
        if let Ok(Some(ext)) = e.parse_ext() {
            ext_roundtrip(&ext);
        }
    }
    if let Ok(e) = Btf::parse_elf_bytes(data, Some(Arc::clone(small_base()))) {
        query_all(&e.btf);
    }
    if let Ok(plain) = plain {
        let _ = elf::elf_sections(&plain);
        let _ = elf::parse_elf_ext(&plain);
        if let Ok(b) = elf::parse_elf_section(&plain, ".BTF.base", None) {
            query_all(&b);
        }
        if let Ok(obj) = BpfObject::parse(&plain) {
            let _ = obj.relo_sections();
        }
    }
}

fn ext_roundtrip(ext: &BtfExt) {
    for s in ext.func_info() {
        let _ = s.sec_name_off();
        for _ in s.records() {}
    }
    for s in ext.line_info() {
        for _ in s.records() {}
    }
    for s in ext.core_relo() {
        for _ in s.records() {}
    }
    let raw = ext.raw_data().to_vec();
    let again = BtfExt::parse(&raw).expect("btf_ext raw_data parses again");
    assert_eq!(
        again.raw_data(),
        &raw[..],
        "btf_ext raw_data is not a fixpoint"
    );
    // libbpf reads foreign-order records only at their exact known sizes (it cannot swap fields
    // it does not know): longer records are native-only, so there is no other-order output.
    let exact = |size: u32, known: u32| size == 0 || size == known;
    if !(exact(ext.func_info_rec_size(), 8)
        && exact(ext.line_info_rec_size(), 16)
        && exact(ext.core_relo_rec_size(), 16))
    {
        return;
    }
    // Sub-sections that overlap (libbpf's checks allow it) are swapped twice where they overlap,
    // as libbpf does: such output in the other order need not parse, in either library
    // (`regressions/btf_ext/overlapping-sub-sections`).
    if sub_sections_overlap(ext.header()) {
        return;
    }
    let orig = ext.endianness();
    let mut f = again;
    f.set_endianness(flip(orig));
    let flipped = f.raw_data().to_vec();
    let mut g = BtfExt::parse(&flipped).expect("btf_ext raw_data in the other order parses");
    assert_eq!(g.endianness(), flip(orig));
    assert_eq!(
        g.native_data(),
        ext.native_data(),
        "btf_ext native data differs by order"
    );
    g.set_endianness(orig);
    assert_eq!(g.raw_data(), &raw[..], "btf_ext byte order round trip");
}

/// Whether two non-empty info sub-sections of a `.BTF.ext` header share bytes.
fn sub_sections_overlap(h: &btf_core::ext::ExtHeader) -> bool {
    let spans: Vec<(u64, u64)> = [
        (h.func_info_off, h.func_info_len),
        (h.line_info_off, h.line_info_len),
        (h.core_relo_off, h.core_relo_len),
    ]
    .into_iter()
    .filter(|&(_, len)| len != 0)
    .map(|(off, len)| (u64::from(off), u64::from(off) + u64::from(len)))
    .collect();
    spans
        .iter()
        .enumerate()
        .any(|(i, a)| spans[i + 1..].iter().any(|b| a.0 < b.1 && b.0 < a.1))
}

/// `.BTF.ext` (`btf_ext__new`): raw data in both byte orders round-trips.
pub fn btf_ext(data: &[u8]) {
    if let Ok(ext) = BtfExt::parse(cap(data)) {
        ext_roundtrip(&ext);
    }
}

/// Split BTF over `small.btf`: `btf__distill_base`, then `btf__relocate` of the distilled split
/// back onto `small.btf`, which must succeed and give at least the original split's types (base
/// types that cannot be distilled, e.g. anonymous ones, stay copied into the split).
pub fn distill_relocate(data: &[u8]) {
    let data = cap(data);
    let base = small_base();
    let Ok(split) = Btf::from_bytes_split(data, Arc::clone(base)) else {
        return;
    };
    let Ok((dbase, mut dsplit)) = split.distill_base() else {
        return;
    };
    query_all(&dbase);
    query_all(&dsplit);
    assert_eq!(dsplit.start_id(), dbase.type_cnt());
    let dbase_raw = dbase.raw_data().into_owned();
    let dbase2 = Arc::new(Btf::from_bytes(&dbase_raw).expect("distilled base parses"));
    let dsplit_raw = dsplit.raw_data().into_owned();
    let dsplit2 =
        Btf::from_bytes_split(&dsplit_raw, dbase2).expect("distilled split parses over it");
    assert_same_types(&dsplit, &dsplit2, "distilled split reparsed");
    match dsplit.relocate(Arc::clone(base)) {
        Ok(()) => {
            assert!(
                dsplit.type_cnt() >= split.type_cnt(),
                "relocation lost types"
            );
            let raw = dsplit.raw_data().into_owned();
            let r = Btf::from_bytes_split(&raw, Arc::clone(base)).expect("relocated parses");
            assert_same_types(&dsplit, &r, "relocated reparsed");
        }
        Err(e) => panic!("distilled split does not relocate onto its own base: {e}"),
    }
}

/// `btf__dedup` of base BTF and of split BTF over `small.btf`: output parses, has no more types,
/// and a second dedup changes nothing.
pub fn dedup(data: &[u8]) {
    let data = &data[..data.len().min(1 << 14)];
    for base in [None, Some(small_base())] {
        let Ok(mut btf) = parse_over(data, base) else {
            continue;
        };
        let before = btf.type_cnt();
        if btf.dedup(&DedupOptions::new()).is_err() {
            continue;
        }
        assert!(btf.type_cnt() <= before, "dedup added types");
        let raw = btf.raw_data().into_owned();
        let mut again = parse_over(&raw, base).expect("dedup output parses");
        assert_same_types(&btf, &again, "dedup output reparsed");
        query_all(&again);
        again
            .dedup(&DedupOptions::new())
            .expect("dedup of dedup output");
        // Not always a fixpoint: libbpf's dedup, whose output ours equals byte for byte, can
        // merge more on a second pass (`regressions/dedup/second-pass-merges-more`: 48 types,
        // then 46, in both libraries).
        assert!(
            again.type_cnt() <= btf.type_cnt(),
            "dedup of dedup output added types"
        );
    }
}

/// C declarations (`btf_dump__dump_type`, `btf_dump__emit_type_decl`) and typed data
/// (`btf_dump__dump_type_data`, over the input bytes themselves) of every type.
pub fn c_dump(data: &[u8]) {
    let data = &data[..data.len().min(1 << 14)];
    for base in [None, Some(small_base())] {
        let Ok(btf) = parse_over(data, base) else {
            continue;
        };
        let Ok(mut d) = CDump::new(&btf) else {
            continue;
        };
        let cnt = btf.type_cnt();
        // Findings F2 and F3: text out of proportion to the input (anonymous structs inline at
        // every use, padding lines) stops at the bound, and a failed call writes nothing.
        d.set_output_limit(C_DUMP_LIMIT);
        for id in 1..cnt {
            let before = d.output().len();
            if let Err(e) = d.dump_type(id) {
                if e.kind() == btf_core::ErrorKind::TooBig {
                    assert_eq!(d.output().len(), before, "[{id}]: E2BIG left text behind");
                }
            }
            if d.output().len() > 1 << 20 {
                d.clear_output();
            }
        }
        d.clear_output();
        let len = data.len();
        for id in 0..cnt.min(256) {
            let before = d.output().len();
            if let Err(e) = d.emit_type_decl(id, b"x", (id % 3) as usize, id % 2 == 0) {
                if e.kind() == btf_core::ErrorKind::TooBig {
                    assert_eq!(d.output().len(), before, "[{id}]: E2BIG left text behind");
                }
            }
            let opts = DataOptions {
                compact: id % 2 == 1,
                emit_zeroes: id % 3 == 0,
                skip_names: id % 5 == 0,
                emit_strings: id % 7 != 0,
                indent_level: (id % 4) as usize,
                ..DataOptions::default()
            };
            let off = (id as usize * 7) % (len + 1);
            let value = &data[off..(off + TYPED_DATA_MAX).min(len)];
            // (Arrays running past the data are cut silently, as in libbpf: `n` may exceed it.)
            match d.dump_type_data(id, value, &opts) {
                Ok(n) => {
                    if let Ok(sz) = btf.resolve_size(id) {
                        assert_eq!(
                            n as u64, sz,
                            "typed data of [{id}] spans other than its size"
                        );
                    }
                }
                // Past the bound (F5): the other types likely are too; the first is the test.
                Err(e) if past_bound(&e) => break,
                Err(_) => {}
            }
            if d.output().len() > 1 << 20 {
                d.clear_output();
            }
        }
        let _ = d.take_warnings();
    }
}

/// The most bytes of data the targets hand to one typed-data call: the call's work bound grows
/// with the data (4,096 units a byte), and hostile types use all of it.
pub const TYPED_DATA_MAX: usize = 64;

/// Whether `e` is a dumper call stopped by its work bound (rather than `E2BIG` for a value that
/// runs past its data).
pub fn past_bound(e: &btf_core::Error) -> bool {
    e.kind() == btf_core::ErrorKind::TooBig && e.message().contains("limit")
}

/// The work bound the fuzz targets give each C dump call: the default (16 MiB at least) would
/// make hostile inputs slow, not wrong (at 1 MiB, inputs that hit the bound in every call
/// spent their time writing padding lines: 1,000 inputs/s).
pub const C_DUMP_LIMIT: usize = 64 << 10;

/// Whether every declaration of `btf` can be written within [`C_DUMP_LIMIT`] per call and
/// `total` bytes over all of them (one dumper, `dump_type` of every id): what the targets that
/// compare with libbpf or go through the C ABI check first, since libbpf writes on without a
/// bound (findings F2 and F3).
pub fn c_text_fits(btf: &Btf, total: usize) -> bool {
    let Ok(mut d) = CDump::new(btf) else {
        return true;
    };
    d.set_output_limit(C_DUMP_LIMIT);
    for id in 1..btf.type_cnt() {
        match d.dump_type(id) {
            Err(e) if e.kind() == btf_core::ErrorKind::TooBig => return false,
            _ if d.output().len() > total => return false,
            _ => {}
        }
    }
    true
}

/// Whether typed data of type `id` over `data` stays within [`C_DUMP_LIMIT`] (plus the per-byte
/// allowance of typed data): the C-ABI target's gate, as [`c_text_fits`] is for declarations.
pub fn typed_data_fits(btf: &Btf, id: u32, data: &[u8], opts: &DataOptions) -> bool {
    let Ok(mut d) = CDump::new(btf) else {
        return true;
    };
    d.set_output_limit(C_DUMP_LIMIT);
    // (`E2BIG` also means "a value runs past the data", with the text so far: that one fits.)
    let stopped = matches!(d.dump_type_data(id, data, opts), Err(e) if past_bound(&e));
    !stopped && d.output().len() <= C_DUMP_LIMIT
}

/// CO-RE: a BPF object relocated against the fixed target (`BpfObject::relocate_core`), and
/// relocation records resolved on fuzzed BTF (`resolve_relo`). Input: an ELF object, or
/// `u16 n (LE) | n bytes of raw BTF | 16-byte records (insn_off, type_id, access_str_off, kind)`.
pub fn co_re(data: &[u8]) {
    let data = cap(data);
    let opts = ResolveOptions::default();
    let target = core_target();
    if let Ok(obj) = BpfObject::parse(data) {
        let targets = Targets::custom(target);
        let (report, verdicts) = obj.relocate_core(&targets, &opts);
        assert_eq!(verdicts.len(), report.outcomes.len());
        for f in &obj.functions {
            let _ = obj.insns(f);
        }
        return;
    }
    if data.len() < 2 {
        return;
    }
    let n = usize::from(u16::from_le_bytes([data[0], data[1]]));
    let rest = &data[2..];
    let (btf_bytes, records) = rest.split_at(n.min(rest.len()));
    let Ok(local) = Btf::from_bytes(btf_bytes) else {
        return;
    };
    let word = |c: &[u8], i: usize| u32::from_le_bytes([c[i], c[i + 1], c[i + 2], c[i + 3]]);
    let relos: Vec<CoreRelo> = records
        .chunks_exact(16)
        .take(64)
        .map(|c| CoreRelo {
            insn_off: word(c, 0),
            type_id: word(c, 4),
            access_str_off: word(c, 8),
            kind: word(c, 12),
        })
        .collect();
    // Against the fixed target and against the local BTF itself (every local type has a
    // candidate there: the matching code runs to the end).
    for target in [target, &local] {
        let targets = Targets::custom(target);
        let mut cache = CandidateCache::default();
        for (i, relo) in relos.iter().enumerate() {
            let r = resolve_relo("fuzz", i, &local, relo, &mut cache, &targets, &opts);
            let _ = r.result();
        }
    }
}

/// The kernel's verdict (`validate_bytes`, `validate_module_bytes` over `small.btf`) and the
/// wrong-base check of module BTF over `small.btf` (`BaseChecker::check`).
pub fn validate(data: &[u8]) {
    let data = cap(data);
    if let Err(r) = validate_bytes(data) {
        assert!(r.errno > 0, "rejection without an errno");
    }
    let base = small_base();
    if let Err(r) = validate_module_bytes(data, base) {
        assert!(r.errno > 0, "module rejection without an errno");
    }
    let checker = BaseChecker::new(Arc::clone(base));
    if let Ok(report) = checker.check(data) {
        assert_eq!(
            report.verdict == Verdict::Undecidable,
            report.undecidable.is_some(),
            "undecidable verdict and reason disagree"
        );
        assert!(report.findings.len() as u64 <= u64::from(report.finding_count()));
        if report.verdict == Verdict::Consistent {
            assert_eq!(report.finding_count(), 0, "consistent with findings");
        }
        assert!(!report.summary().is_empty());
    }
}

/// Replays every file of `fuzz/regressions/<target>/` and `fuzz/seeds/<target>/` through each of
/// `targets` (what `cargo test` does on stable, no fuzzer needed); panics listing every file that
/// failed, with the failure. Returns how many files ran.
pub fn replay(targets: &[Target]) -> usize {
    let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut failures = Vec::new();
    let mut ran = 0;
    for (name, body) in targets {
        for kind in ["regressions", "seeds"] {
            let dir = fuzz.join(kind).join(name);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut files: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            files.sort();
            for file in files.into_iter().filter(|f| f.is_file()) {
                let data = std::fs::read(&file).expect("read a replay input");
                ran += 1;
                if let Err(p) = std::panic::catch_unwind(|| body(&data)) {
                    let msg = p
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                        .unwrap_or_default();
                    failures.push(format!("{}: {msg}", file.display()));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {ran} replayed inputs fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
    ran
}
