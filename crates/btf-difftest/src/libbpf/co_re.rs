//! libbpf 1.7.0's CO-RE relocation of a whole BPF object, the oracle of the CO-RE differential
//! test: `bpf_object__open_file` with `btf_custom_path` set to the target BTF, then
//! `bpf_object__prepare`, which resolves and patches every CO-RE relocation (and goes on to create
//! maps, which needs root). Everything libbpf prints meanwhile is captured through
//! `libbpf_set_print`, and each main program's instructions are read back afterwards.

use std::ffi::{CStr, CString, c_char, c_int};
use std::path::Path;
use std::sync::Mutex;

use libbpf_sys as sys;

use super::path_to_cstring;

/// One run of libbpf on one object and target.
#[derive(Clone, Debug, Default)]
pub struct CoreOracleRun {
    /// `bpf_object__open_file`'s errno (positive), or 0.
    pub open_err: i32,
    /// `bpf_object__prepare`'s return value (0 or a negative errno).
    pub prepare_err: i32,
    /// Every message libbpf printed during `bpf_object__prepare`: level (0 warn, 1 info,
    /// 2 debug) and text without the trailing newline.
    pub lines: Vec<(u32, String)>,
    /// Each main program's name and its instructions after `bpf_object__prepare`, in this
    /// machine's byte order (libbpf swaps a foreign-endian object's instructions at open).
    pub programs: Vec<(String, Vec<u8>)>,
}

/// The captured messages; libbpf's print callback is process-global, so runs are serialized.
static CAPTURE: Mutex<Vec<(u32, String)>> = Mutex::new(Vec::new());
static RUN: Mutex<()> = Mutex::new(());

unsafe extern "C" {
    fn vsnprintf(
        buf: *mut c_char,
        size: usize,
        fmt: *const c_char,
        ap: *mut sys::__va_list_tag,
    ) -> c_int;
}

unsafe extern "C" fn capture(
    level: sys::libbpf_print_level,
    fmt: *const c_char,
    ap: *mut sys::__va_list_tag,
) -> c_int {
    let mut buf = vec![0u8; 1 << 16];
    // SAFETY: `buf` is writable for its length; `fmt` and `ap` are the format and argument list
    // libbpf passes to its print callback, used once, as vsnprintf expects.
    let n = unsafe { vsnprintf(buf.as_mut_ptr().cast(), buf.len(), fmt, ap) };
    if n < 0 {
        return n;
    }
    let text = CStr::from_bytes_until_nul(&buf)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    for line in text.strip_suffix('\n').unwrap_or(&text).split('\n') {
        if let Ok(mut c) = CAPTURE.lock() {
            c.push((level, line.to_string()));
        }
    }
    n
}

/// Opens `object` with `btf_custom_path = target` and prepares it, capturing libbpf's log.
pub fn core_relocate(object: &Path, target: &Path) -> CoreOracleRun {
    let _guard = RUN.lock().unwrap_or_else(|e| e.into_inner());
    let mut run = CoreOracleRun::default();
    let (Ok(obj_path), Ok(btf_path)) = (path_to_cstring(object), path_to_cstring(target)) else {
        run.open_err = libc::EINVAL;
        return run;
    };
    let name = CString::new("core_oracle").unwrap_or_default();
    let opts = sys::bpf_object_open_opts {
        sz: std::mem::size_of::<sys::bpf_object_open_opts>() as _,
        object_name: name.as_ptr(),
        btf_custom_path: btf_path.as_ptr(),
        ..Default::default()
    };
    if let Ok(mut c) = CAPTURE.lock() {
        c.clear();
    }
    // SAFETY: `capture` has the callback signature libbpf expects and stays valid for the
    // process; swapping the global callback is atomic in libbpf.
    let previous = unsafe { sys::libbpf_set_print(Some(capture)) };
    super::set_errno(0);
    // SAFETY: both strings are NUL-terminated and outlive the call; `opts` is a zeroed,
    // correctly sized options struct.
    let obj = unsafe { sys::bpf_object__open_file(obj_path.as_ptr(), &opts) };
    if obj.is_null() {
        run.open_err = super::errno();
    } else {
        if let Ok(mut c) = CAPTURE.lock() {
            c.clear();
        }
        // SAFETY: a live object returned by bpf_object__open_file.
        run.prepare_err = unsafe { sys::bpf_object__prepare(obj) };
        run.lines = CAPTURE.lock().map(|c| c.clone()).unwrap_or_default();
        let mut prog: *mut sys::bpf_program = std::ptr::null_mut();
        loop {
            // SAFETY: `obj` is live; `prog` is NULL or the previous program of `obj`.
            prog = unsafe { sys::bpf_object__next_program(obj, prog) };
            if prog.is_null() {
                break;
            }
            // SAFETY: `prog` belongs to the live `obj`; the name and instruction array are
            // libbpf's, valid until the object is closed, and copied here.
            unsafe {
                let name = CStr::from_ptr(sys::bpf_program__name(prog))
                    .to_string_lossy()
                    .into_owned();
                let insns = sys::bpf_program__insns(prog);
                let cnt = sys::bpf_program__insn_cnt(prog);
                let bytes = if insns.is_null() {
                    Vec::new()
                } else {
                    std::slice::from_raw_parts(insns.cast::<u8>(), cnt as usize * 8).to_vec()
                };
                run.programs.push((name, bytes));
            }
        }
        // SAFETY: `obj` is live and not used afterwards.
        unsafe { sys::bpf_object__close(obj) };
    }
    // SAFETY: as above; restores whatever callback was installed before.
    unsafe { sys::libbpf_set_print(previous) };
    run
}
