//! `Btf::distill_base` against real libbpf 1.7.0's `btf__distill_base`, byte for byte:
//!
//! 1. Every module of `modules-all/6.1.0-47` and `modules-all/6.1.0-54` over its own vmlinux
//!    (each vmlinux parsed once per library and shared by all modules): the distilled base and the
//!    distilled split (`raw_data`) equal libbpf's, or both fail with the same errno; then the same
//!    with the source set to big-endian (both outputs must be big-endian and equal libbpf's, which
//!    distills the big-endian bytes of the module).
//! 2. The six stored libbpf outputs in `expected/libbpf-1.7.0` (`<m>.47-on-54.distilled_*`).
//! 3. Hand-made BTF after the shape of libbpf's `btf_distill` selftests (our own types and names),
//!    checked as bpftool raw text and against libbpf; and error cases (not split BTF, references
//!    to a base FUNC, VAR, DATASEC or DECL_TAG, directly or through a base type).
//!
//! Tests that read the corpus skip (with a `SKIP` line) when it is absent.

use std::sync::Arc;
use std::time::{Duration, Instant};

use btf_core::{Btf, Endianness, FUNC_GLOBAL, VAR_GLOBAL_ALLOCATED, text};
use btf_difftest::corpus;
use btf_difftest::libbpf::{self, LibbpfBtf};
use btf_difftest::require_corpus;

/// Differences printed when a test fails.
const MAX_PRINTED: usize = 20;
const EINVAL: i32 = 22;

fn first_diff(ours: &[u8], theirs: &[u8]) -> String {
    match ours.iter().zip(theirs).position(|(a, b)| a != b) {
        Some(at) => format!(
            "first difference at byte {at} (ours {:#04x}, libbpf {:#04x}); lengths {} vs {}",
            ours[at],
            theirs[at],
            ours.len(),
            theirs.len()
        ),
        None => format!(
            "one is a prefix of the other; lengths {} vs {}",
            ours.len(),
            theirs.len()
        ),
    }
}

fn expect_bytes(diffs: &mut Vec<String>, what: &str, ours: &[u8], theirs: &[u8]) {
    if ours != theirs {
        diffs.push(format!("{what}: {}", first_diff(ours, theirs)));
    }
}

fn fail_on(what: &str, diffs: &[String]) {
    if !diffs.is_empty() {
        for d in diffs.iter().take(MAX_PRINTED) {
            eprintln!("  {d}");
        }
        panic!("{what}: {} difference(s), first: {}", diffs.len(), diffs[0]);
    }
}

/// Outcome counts and times of one build.
#[derive(Default)]
struct Tally {
    modules: usize,
    identical: usize,
    both_failed: usize,
    base_types: (u32, u32),
    base_bytes: (usize, usize),
    ours: Duration,
    theirs: Duration,
    diffs: Vec<String>,
}

impl Tally {
    fn merge(&mut self, o: Tally) {
        self.modules += o.modules;
        self.identical += o.identical;
        self.both_failed += o.both_failed;
        self.base_types = (
            self.base_types.0.min(o.base_types.0),
            self.base_types.1.max(o.base_types.1),
        );
        self.base_bytes = (
            self.base_bytes.0.min(o.base_bytes.0),
            self.base_bytes.1.max(o.base_bytes.1),
        );
        self.ours += o.ours;
        self.theirs += o.theirs;
        self.diffs.extend(o.diffs);
    }
    fn new() -> Tally {
        Tally {
            base_types: (u32::MAX, 0),
            base_bytes: (usize::MAX, 0),
            ..Tally::default()
        }
    }
}

/// Distills `ours` and `theirs` (the same split BTF, in the same byte order) and compares.
fn compare_one(tally: &mut Tally, what: &str, ours: &Btf, theirs: &LibbpfBtf, endian: Endianness) {
    let t = Instant::now();
    let mine = ours.distill_base();
    tally.ours += t.elapsed();
    let t = Instant::now();
    let libs = theirs.distill_base();
    tally.theirs += t.elapsed();
    match (mine, libs) {
        (Ok((base, split)), Ok((lbase, lsplit))) => {
            let before = tally.diffs.len();
            if !split.base().is_some_and(|b| Arc::ptr_eq(b, &base)) {
                tally
                    .diffs
                    .push(format!("{what}: new split is not over new base"));
            }
            if base.endianness() != endian || split.endianness() != endian {
                tally.diffs.push(format!("{what}: outputs not {endian:?}"));
            }
            let (b, lb) = (base.raw_data(), lbase.raw_data());
            expect_bytes(&mut tally.diffs, &format!("{what} base"), &b, &lb);
            let (s, ls) = (split.raw_data(), lsplit.raw_data());
            expect_bytes(&mut tally.diffs, &format!("{what} split"), &s, &ls);
            if tally.diffs.len() == before {
                tally.identical += 1;
            }
            tally.base_types.0 = tally.base_types.0.min(base.nr_types());
            tally.base_types.1 = tally.base_types.1.max(base.nr_types());
            tally.base_bytes.0 = tally.base_bytes.0.min(b.len());
            tally.base_bytes.1 = tally.base_bytes.1.max(b.len());
        }
        (Err(e), Err(errno)) if e.errno() == errno => tally.both_failed += 1,
        (Err(e), Err(errno)) => tally.diffs.push(format!(
            "{what}: errno {} ({e}) vs libbpf {errno}",
            e.errno()
        )),
        (Ok(_), Err(errno)) => tally
            .diffs
            .push(format!("{what}: ours succeeded, libbpf errno {errno}")),
        (Err(e), Ok(_)) => tally
            .diffs
            .push(format!("{what}: ours failed ({e}), libbpf succeeded")),
    }
}

/// Both byte orders of one module.
fn check_module(
    tally: &mut Tally,
    name: &str,
    bytes: &[u8],
    ours_vm: &Arc<Btf>,
    lib_vm: &Arc<LibbpfBtf>,
) {
    tally.modules += 1;
    let ours = match Btf::from_bytes_split(bytes, Arc::clone(ours_vm)) {
        Ok(b) => b,
        Err(e) => return tally.diffs.push(format!("{name}: ours cannot parse: {e}")),
    };
    let theirs = match LibbpfBtf::from_bytes_split(bytes, lib_vm) {
        Ok(b) => b,
        Err(errno) => {
            return tally
                .diffs
                .push(format!("{name}: libbpf cannot parse: {errno}"));
        }
    };
    compare_one(tally, name, &ours, &theirs, Endianness::Little);

    ours.set_endianness(Endianness::Big);
    let be = ours.raw_data().into_owned();
    let theirs_be = match LibbpfBtf::from_bytes_split(&be, lib_vm) {
        Ok(b) => b,
        Err(errno) => {
            return tally
                .diffs
                .push(format!("{name}: libbpf cannot parse big-endian: {errno}"));
        }
    };
    compare_one(
        tally,
        &format!("{name} (big-endian)"),
        &ours,
        &theirs_be,
        Endianness::Big,
    );
}

#[test]
fn distill_every_module_of_both_builds() {
    let dir = require_corpus!("distill_every_module_of_both_builds");
    libbpf::quiet();
    let mut all_diffs = Vec::new();
    for ver in ["6.1.0-47", "6.1.0-54"] {
        let started = Instant::now();
        let vm_path = dir.join("vmlinux").join(format!("{ver}.btf"));
        let vm_bytes = std::fs::read(&vm_path).expect("vmlinux readable");
        let ours_vm = Arc::new(Btf::from_bytes(&vm_bytes).expect("ours parses vmlinux"));
        let lib_vm = Arc::new(LibbpfBtf::from_bytes(&vm_bytes).expect("libbpf parses vmlinux"));
        let modules = match corpus::modules_all(ver) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("SKIP {ver}: modules-all unreadable: {e}");
                continue;
            }
        };
        // Two threads; libbpf calls over one vmlinux serialize on its family lock, ours do not.
        let half = modules.len().div_ceil(2);
        let mut tally = Tally::new();
        std::thread::scope(|s| {
            let handles: Vec<_> = modules
                .chunks(half.max(1))
                .map(|chunk| {
                    let (ours_vm, lib_vm) = (&ours_vm, &lib_vm);
                    s.spawn(move || {
                        let mut t = Tally::new();
                        for (name, bytes) in chunk {
                            check_module(&mut t, name, bytes, ours_vm, lib_vm);
                        }
                        t
                    })
                })
                .collect();
            for h in handles {
                tally.merge(h.join().expect("worker panicked"));
            }
        });
        eprintln!(
            "distill {ver}: {} modules x 2 byte orders: {} identical, {} failed alike (EINVAL), \
             {} difference(s); distilled bases {}-{} types, {}-{} bytes; distill time ours \
             {:.2} s vs libbpf {:.2} s (summed over threads; libbpf's includes waits on the shared vmlinux lock); {:.1} s wall",
            tally.modules,
            tally.identical,
            tally.both_failed,
            tally.diffs.len(),
            tally.base_types.0,
            tally.base_types.1,
            tally.base_bytes.0,
            tally.base_bytes.1,
            tally.ours.as_secs_f64(),
            tally.theirs.as_secs_f64(),
            started.elapsed().as_secs_f64()
        );
        assert_eq!(tally.identical + tally.both_failed, 2 * tally.modules);
        assert!(
            tally.modules > 4000,
            "{ver}: only {} modules",
            tally.modules
        );
        all_diffs.extend(tally.diffs);
    }
    fail_on("distill of every module", &all_diffs);
}

#[test]
fn distill_matches_stored_libbpf_outputs() {
    let dir = require_corpus!("distill_matches_stored_libbpf_outputs");
    let expected = dir.join("expected/libbpf-1.7.0");
    let vm = Arc::new(Btf::parse_file(dir.join("vmlinux/6.1.0-47.btf"), None).expect("vmlinux"));
    let mut diffs = Vec::new();
    let mut compared = 0;
    for m in [
        "btrfs",
        "e1000e",
        "ext4",
        "nf_conntrack",
        "tun",
        "virtio_net",
    ] {
        let path = dir.join(format!("modules/6.1.0-47/{m}.btf"));
        let split = Btf::parse_file(&path, Some(Arc::clone(&vm))).expect("module parses");
        let (base, new_split) = split.distill_base().expect("distills");
        for (kind, ours) in [
            ("distilled_base", base.raw_data()),
            ("distilled_split", new_split.raw_data()),
        ] {
            let file = expected.join(format!("{m}.47-on-54.{kind}.libbpf-1.7.0.btf"));
            let want = std::fs::read(&file).expect("golden readable");
            expect_bytes(&mut diffs, &format!("{m} {kind}"), &ours, &want);
            compared += 1;
        }
    }
    eprintln!(
        "distill goldens: {compared} files compared, {} differ",
        diffs.len()
    );
    assert_eq!(compared, 12);
    fail_on("distill goldens", &diffs);
}

// ---------------------------------------------------------------------------------------------
// Hand-made BTF
// ---------------------------------------------------------------------------------------------

/// Raw bytes of `btf` read back by libbpf (over `base` when given) and distilled there.
fn libbpf_distill(base: &Btf, split: &Btf) -> Result<(Vec<u8>, Vec<u8>), i32> {
    libbpf::quiet();
    let lbase = Arc::new(LibbpfBtf::from_bytes(&base.raw_data()).expect("libbpf reads base"));
    let lsplit =
        LibbpfBtf::from_bytes_split(&split.raw_data(), &lbase).expect("libbpf reads split");
    lsplit
        .distill_base()
        .map(|(b, s)| (b.raw_data(), s.raw_data()))
}

fn dump(btf: &Btf) -> String {
    let mut out = Vec::new();
    text::write_raw_dump(&mut out, btf).expect("dump to memory");
    String::from_utf8(out).expect("utf-8 dump")
}

/// A base with one of each shape distilling cares about (after libbpf's `distilled_base` test).
fn selftest_base() -> Arc<Btf> {
    let mut b = Btf::new_empty();
    b.add_int("int", 4, 1).unwrap(); // [1]
    b.add_ptr(1).unwrap(); // [2]
    b.add_struct("s1", 8).unwrap(); // [3] named: its member is not followed
    b.add_field("f1", 2, 0, 0).unwrap();
    b.add_struct("", 8).unwrap(); // [4] anonymous: moved to the split in full
    b.add_field("f1", 1, 0, 0).unwrap();
    b.add_field("f2", 1, 32, 0).unwrap();
    b.add_union("u1", 12).unwrap(); // [5]
    b.add_field("f1", 1, 0, 0).unwrap();
    b.add_union("", 4).unwrap(); // [6]
    b.add_field("f1", 1, 0, 0).unwrap();
    b.add_enum("e1", 4).unwrap(); // [7]
    b.add_enum_value("v1", 1).unwrap();
    b.add_enum("", 4).unwrap(); // [8]
    b.add_enum_value("av1", 2).unwrap();
    b.add_enum64("e641", 8, false).unwrap(); // [9] becomes an 8-byte ENUM
    b.add_enum64_value("v64", 1 << 63).unwrap();
    b.add_enum64("", 8, true).unwrap(); // [10]
    b.add_enum64_value("av64", 3).unwrap();
    b.add_struct("unneeded", 4).unwrap(); // [11] nobody refers to it
    b.add_field("f1", 1, 0, 0).unwrap();
    b.add_struct("embedded", 4).unwrap(); // [12]
    b.add_field("f1", 1, 0, 0).unwrap();
    b.add_func_proto(1).unwrap(); // [13]
    b.add_func_param("p1", 15).unwrap();
    b.add_array(1, 1, 4).unwrap(); // [14]
    b.add_struct("from_proto", 4).unwrap(); // [15] needed only through [13]
    b.add_field("f1", 1, 0, 0).unwrap();
    b.add_union("u1", 4).unwrap(); // [16] same name as [5], unneeded
    b.add_field("f1", 1, 0, 0).unwrap();
    Arc::new(b)
}

fn selftest_split(base: &Arc<Btf>) -> Btf {
    let mut s = Btf::new_empty_split(Arc::clone(base));
    s.add_ptr(3).unwrap(); // [17]
    s.add_ptr(4).unwrap(); // [18]
    s.add_const(5).unwrap(); // [19]
    s.add_restrict(6).unwrap(); // [20]
    s.add_volatile(7).unwrap(); // [21]
    s.add_typedef("et", 8).unwrap(); // [22]
    s.add_const(9).unwrap(); // [23]
    s.add_ptr(10).unwrap(); // [24]
    s.add_struct("with_embedded", 4).unwrap(); // [25]
    s.add_field("e", 12, 0, 0).unwrap();
    s.add_func("fn", FUNC_GLOBAL, 13).unwrap(); // [26]
    s.add_typedef("arraytype", 14).unwrap(); // [27]
    s.add_func_proto(1).unwrap(); // [28]
    s.add_func_param("p", 17).unwrap();
    s
}

#[test]
fn distilled_base_after_the_selftest() {
    let base = selftest_base();
    let split = selftest_split(&base);
    let (new_base, new_split) = split.distill_base().expect("distills");
    assert_eq!(new_base.type_cnt(), 8);
    assert_eq!(
        dump(&new_base),
        "\
[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED
[2] STRUCT 's1' size=8 vlen=0
[3] UNION 'u1' size=12 vlen=0
[4] ENUM 'e1' encoding=UNSIGNED size=4 vlen=0
[5] ENUM 'e641' encoding=UNSIGNED size=8 vlen=0
[6] STRUCT 'embedded' size=4 vlen=0
[7] STRUCT 'from_proto' size=4 vlen=0
"
    );
    assert_eq!(
        dump(&new_split),
        "\
[8] PTR '(anon)' type_id=2
[9] PTR '(anon)' type_id=20
[10] CONST '(anon)' type_id=3
[11] RESTRICT '(anon)' type_id=21
[12] VOLATILE '(anon)' type_id=4
[13] TYPEDEF 'et' type_id=22
[14] CONST '(anon)' type_id=5
[15] PTR '(anon)' type_id=23
[16] STRUCT 'with_embedded' size=4 vlen=1
\t'e' type_id=6 bits_offset=0
[17] FUNC 'fn' type_id=24 linkage=global
[18] TYPEDEF 'arraytype' type_id=25
[19] FUNC_PROTO '(anon)' ret_type_id=1 vlen=1
\t'p' type_id=8
[20] STRUCT '(anon)' size=8 vlen=2
\t'f1' type_id=1 bits_offset=0
\t'f2' type_id=1 bits_offset=32
[21] UNION '(anon)' size=4 vlen=1
\t'f1' type_id=1 bits_offset=0
[22] ENUM '(anon)' encoding=UNSIGNED size=4 vlen=1
\t'av1' val=2
[23] ENUM64 '(anon)' encoding=SIGNED size=8 vlen=1
\t'av64' val=3LL
[24] FUNC_PROTO '(anon)' ret_type_id=1 vlen=1
\t'p1' type_id=7
[25] ARRAY '(anon)' type_id=1 index_type_id=1 nr_elems=4
"
    );
    let (lbase, lsplit) = libbpf_distill(&base, &split).expect("libbpf distills");
    assert_eq!(new_base.raw_data().as_ref(), lbase.as_slice());
    assert_eq!(new_split.raw_data().as_ref(), lsplit.as_slice());
}

#[test]
fn distilled_base_keeps_duplicates_and_byte_order() {
    // Two `int`s of different sizes are both kept (relocation decides later).
    let mut b = Btf::new_empty();
    b.add_int("int", 4, 1).unwrap(); // [1]
    b.add_int("int", 8, 1).unwrap(); // [2]
    b.add_float("double", 8).unwrap(); // [3]
    b.add_fwd("fwd_s", btf_core::FwdKind::Struct).unwrap(); // [4]
    let base = Arc::new(b);
    base.set_endianness(Endianness::Big);
    let mut s = Btf::new_empty_split(Arc::clone(&base));
    s.add_ptr(1).unwrap(); // [5]
    s.add_ptr(2).unwrap(); // [6]
    s.add_ptr(4).unwrap(); // [7]
    s.add_typedef("only_split_string", 3).unwrap(); // [8]
    let (nb, ns) = s.distill_base().expect("distills");
    assert_eq!(nb.endianness(), Endianness::Big);
    assert_eq!(ns.endianness(), Endianness::Big);
    assert_eq!(
        dump(&nb),
        "\
[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED
[2] INT 'int' size=8 bits_offset=0 nr_bits=64 encoding=SIGNED
[3] FLOAT 'double' size=8
[4] FWD 'fwd_s' fwd_kind=struct
"
    );
    assert_eq!(
        dump(&ns),
        "\
[5] PTR '(anon)' type_id=1
[6] PTR '(anon)' type_id=2
[7] PTR '(anon)' type_id=4
[8] TYPEDEF 'only_split_string' type_id=3
"
    );
    let (lb, ls) = libbpf_distill(&base, &s).expect("libbpf distills");
    assert_eq!(&lb[..4], &[0xeb, 0x9f, 1, 0], "libbpf base is big-endian");
    assert_eq!(nb.raw_data().as_ref(), lb.as_slice());
    assert_eq!(ns.raw_data().as_ref(), ls.as_slice());
}

#[test]
fn distilling_non_split_btf_is_einval() {
    let mut b = Btf::new_empty();
    b.add_int("int", 4, 1).unwrap();
    let err = b.distill_base().expect_err("not split");
    assert_eq!(err.errno(), EINVAL);
    assert!(err.message().contains("not split BTF"), "{err}");
    libbpf::quiet();
    let lb = LibbpfBtf::from_bytes(&b.raw_data()).expect("libbpf reads it");
    assert_eq!(lb.distill_base().err(), Some(EINVAL));
}

/// A base with a FUNC, a VAR, a DATASEC and a DECL_TAG, and a PTR to the FUNC.
fn base_with_unrelocatables() -> Arc<Btf> {
    let mut b = Btf::new_empty();
    b.add_int("int", 4, 1).unwrap(); // [1]
    b.add_func_proto(1).unwrap(); // [2]
    b.add_func("base_fn", FUNC_GLOBAL, 2).unwrap(); // [3]
    b.add_var("base_var", VAR_GLOBAL_ALLOCATED, 1).unwrap(); // [4]
    b.add_datasec(".data", 4).unwrap(); // [5]
    b.add_datasec_var_info(4, 0, 4).unwrap();
    b.add_decl_tag("base_tag", 3, -1).unwrap(); // [6]
    b.add_ptr(3).unwrap(); // [7] a base PTR to the FUNC
    Arc::new(b)
}

#[test]
fn references_to_base_func_var_datasec_decl_tag_are_einval() {
    let base = base_with_unrelocatables();
    let cases: [(u32, &str, &str); 5] = [
        (3, "FUNC 'base_fn'", "[8] anonymous PTR"),
        (4, "VAR 'base_var'", "[8] anonymous PTR"),
        (5, "DATASEC '.data'", "[8] anonymous PTR"),
        (6, "DECL_TAG 'base_tag'", "[8] anonymous PTR"),
        // Through a base type: the PTR [7] is needed, and it refers to the FUNC.
        (7, "FUNC 'base_fn'", "[7] anonymous PTR"),
    ];
    for (target, named, referrer) in cases {
        let mut s = Btf::new_empty_split(Arc::clone(&base));
        s.add_ptr(target).unwrap(); // [8]
        let err = s.distill_base().expect_err("unrelocatable reference");
        assert_eq!(err.errno(), EINVAL, "{err}");
        assert!(err.message().contains(named), "{err}");
        assert!(err.message().contains(referrer), "{err}");
        assert_eq!(
            libbpf_distill(&base, &s).err(),
            Some(EINVAL),
            "target {target}"
        );
    }
    // The usual way a module meets a base FUNC: a DECL_TAG on it.
    let mut s = Btf::new_empty_split(Arc::clone(&base));
    s.add_decl_tag("module_tag", 3, -1).unwrap();
    let err = s.distill_base().expect_err("tag on base func");
    assert!(
        err.message().contains("DECL_TAG 'module_tag'") && err.message().contains("FUNC 'base_fn'"),
        "{err}"
    );
    assert_eq!(libbpf_distill(&base, &s).err(), Some(EINVAL));
}

#[test]
fn split_without_base_references_distills_to_an_empty_base() {
    let base = selftest_base();
    let mut s = Btf::new_empty_split(Arc::clone(&base));
    s.add_int("own_int", 2, 0).unwrap(); // [17]
    s.add_ptr(17).unwrap(); // [18]
    let (nb, ns) = s.distill_base().expect("distills");
    assert_eq!(nb.type_cnt(), 1);
    assert_eq!(
        dump(&ns),
        "\
[1] INT 'own_int' size=2 bits_offset=0 nr_bits=16 encoding=(none)
[2] PTR '(anon)' type_id=1
"
    );
    let (lb, ls) = libbpf_distill(&base, &s).expect("libbpf distills");
    assert_eq!(nb.raw_data().as_ref(), lb.as_slice());
    assert_eq!(ns.raw_data().as_ref(), ls.as_slice());
}
