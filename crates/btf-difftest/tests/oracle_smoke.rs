//! Smoke tests of the libbpf oracle wrapper and the corpus helpers on the shared corpus.
//! Each test skips (with a `SKIP` line on stderr) when `../shared/corpus` is absent.

use std::sync::Arc;

use btf_difftest::corpus;
use btf_difftest::libbpf::{self, LibbpfBtf};
use btf_difftest::require_corpus;

const BTF_KIND_STRUCT: u32 = 4;

/// Types per vmlinux in the corpus, not counting void (from the corpus README).
const VMLINUX_TYPES: &[(&str, u32)] = &[
    ("6.1.0-47", 100_628),
    ("6.1.0-54", 100_734),
    ("6.12.115", 112_748),
    ("6.18.44", 126_521),
];

#[test]
fn from_bytes_rejects_garbage() {
    libbpf::quiet();
    assert_eq!(LibbpfBtf::from_bytes(&[0u8; 3]).err(), Some(libc::EINVAL));
}

#[test]
fn vmlinux_type_counts() {
    let _dir = require_corpus!("vmlinux_type_counts");
    libbpf::quiet();
    let files = corpus::vmlinux_files();
    let versions: Vec<String> = files
        .iter()
        .map(|p| corpus::version_of(p).unwrap())
        .collect();
    let expected: Vec<&str> = VMLINUX_TYPES.iter().map(|(v, _)| *v).collect();
    assert_eq!(versions, expected);
    for (path, &(ver, types)) in files.iter().zip(VMLINUX_TYPES) {
        let btf = LibbpfBtf::parse(path).unwrap_or_else(|e| panic!("{ver}: errno {e}"));
        assert_eq!(btf.type_cnt(), types + 1, "{ver}");
        assert_eq!(btf.start_id(), 1, "{ver}");
        assert_eq!(btf.base_type_cnt(), None, "{ver}");
        assert_eq!(btf.pointer_size(), 8, "{ver}");
        assert!(
            btf.find_by_name_kind(c"task_struct", BTF_KIND_STRUCT) > 0,
            "{ver}"
        );
        let id = btf.find_by_name_kind(c"task_struct", BTF_KIND_STRUCT) as u32;
        let rec = btf.type_record(id).unwrap();
        let info = u32::from_ne_bytes(rec[4..8].try_into().unwrap());
        assert_eq!((info >> 24) & 0x1f, BTF_KIND_STRUCT, "{ver}");
        assert_eq!(rec.len(), 12 + 12 * (info & 0xffff) as usize, "{ver}");
        let name_off = u32::from_ne_bytes(rec[0..4].try_into().unwrap());
        assert_eq!(btf.name_by_offset(name_off), Some(c"task_struct"));
        assert!(btf.resolve_size(id) > 0, "{ver}");
        assert_eq!(btf.align_of(id).1, 0, "{ver}");
        assert!(btf.type_record(btf.type_cnt()).is_none());
        // Raw vmlinux BTF round-trips byte for byte through libbpf.
        assert_eq!(btf.raw_data(), std::fs::read(path).unwrap(), "{ver}");
    }
}

#[test]
fn vmlinux_from_bytes_matches_parse() {
    let _dir = require_corpus!("vmlinux_from_bytes_matches_parse");
    libbpf::quiet();
    let path = corpus::vmlinux_file("6.18.44").expect("6.18.44 vmlinux in corpus");
    let bytes = std::fs::read(&path).unwrap();
    let a = LibbpfBtf::from_bytes(&bytes).unwrap();
    let b = LibbpfBtf::parse(&path).unwrap();
    assert_eq!(a.type_cnt(), b.type_cnt());
    for id in [1, 2, 1000, a.type_cnt() - 1] {
        assert_eq!(a.type_record(id), b.type_record(id));
    }
}

#[test]
fn selected_modules_split_over_vmlinux() {
    let _dir = require_corpus!("selected_modules_split_over_vmlinux");
    libbpf::quiet();
    let ver = "6.1.0-47";
    let base = Arc::new(LibbpfBtf::parse(corpus::vmlinux_file(ver).unwrap()).unwrap());
    let modules = corpus::selected_modules(ver);
    assert_eq!(modules.len(), 26);
    for path in modules.iter().take(3) {
        let name = corpus::version_of(path).unwrap();
        let split =
            LibbpfBtf::parse_split(path, &base).unwrap_or_else(|e| panic!("{name}: errno {e}"));
        assert_eq!(split.start_id(), base.type_cnt(), "{name}");
        assert_eq!(split.base_type_cnt(), Some(base.type_cnt()), "{name}");
        assert!(split.type_cnt() > split.start_id(), "{name}");
        // Base types are visible through the split BTF.
        assert!(split.find_by_name_kind(c"task_struct", BTF_KIND_STRUCT) > 0);
        assert_eq!(split.type_record(1), base.type_record(1));
        // from_bytes_split agrees with parse_split, and raw_data gives back the split part only.
        let bytes = std::fs::read(path).unwrap();
        let again = LibbpfBtf::from_bytes_split(&bytes, &base).unwrap();
        assert_eq!(again.type_cnt(), split.type_cnt(), "{name}");
        assert_eq!(split.raw_data(), bytes, "{name}");
    }
}

#[test]
fn split_outlives_dropped_base_handle() {
    let _dir = require_corpus!("split_outlives_dropped_base_handle");
    libbpf::quiet();
    let ver = "6.12.115";
    let base = Arc::new(LibbpfBtf::parse(corpus::vmlinux_file(ver).unwrap()).unwrap());
    let module = corpus::selected_modules(ver).into_iter().next().unwrap();
    let split = LibbpfBtf::parse_split(&module, &base).unwrap();
    drop(base);
    assert!(split.find_by_name_kind(c"task_struct", BTF_KIND_STRUCT) > 0);
}

#[test]
fn shared_base_across_threads() {
    let _dir = require_corpus!("shared_base_across_threads");
    libbpf::quiet();
    let ver = "6.1.0-54";
    let base = Arc::new(LibbpfBtf::parse(corpus::vmlinux_file(ver).unwrap()).unwrap());
    let modules = corpus::selected_modules(ver);
    let counts: Vec<u32> = std::thread::scope(|s| {
        let handles: Vec<_> = modules
            .chunks(modules.len().div_ceil(2))
            .map(|chunk| {
                let base = Arc::clone(&base);
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|p| {
                            let split = LibbpfBtf::parse_split(p, &base).unwrap();
                            assert!(split.pointer_size() == 8);
                            split.type_cnt() - split.start_id()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(counts.len(), modules.len());
    assert!(counts.iter().all(|&n| n > 0));
}

#[test]
fn ko_files_parse_elf() {
    let _dir = require_corpus!("ko_files_parse_elf");
    libbpf::quiet();
    let kos = corpus::ko_files();
    assert!(!kos.is_empty());
    for (ver, path) in kos {
        // Module .BTF is split BTF: without its base libbpf must reject it.
        let err = LibbpfBtf::parse_elf(&path).err();
        assert!(err.is_some(), "{ver} {}", path.display());
        let base = Arc::new(LibbpfBtf::parse(corpus::vmlinux_file(&ver).unwrap()).unwrap());
        let split = LibbpfBtf::parse_split(&path, &base)
            .unwrap_or_else(|e| panic!("{ver} {}: errno {e}", path.display()));
        assert!(split.type_cnt() > base.type_cnt());
    }
}

#[test]
fn modules_all_count() {
    let _dir = require_corpus!("modules_all_count");
    let modules = corpus::modules_all("6.1.0-47").unwrap();
    assert_eq!(modules.len(), 4022);
    assert!(modules.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(modules.iter().any(|(n, _)| n == "e1000e"));
    assert!(modules.iter().all(|(_, b)| b.len() >= 24));
}
