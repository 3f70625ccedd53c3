//! The running kernel as oracle: load BTF with `bpf(BPF_BTF_LOAD)` and report the verdict, the
//! errno and the verifier log's last line (what `btf_core::validate` predicts).

use std::os::raw::c_long;

const BPF_BTF_LOAD: c_long = 18;

/// `union bpf_attr` as `BPF_BTF_LOAD` reads it.
#[repr(C)]
#[derive(Default)]
struct BtfLoadAttr {
    btf: u64,
    btf_log_buf: u64,
    btf_size: u32,
    btf_log_size: u32,
    btf_log_level: u32,
    btf_log_true_size: u32,
    btf_flags: u32,
    btf_token_fd: i32,
}

/// The kernel's answer to one `BPF_BTF_LOAD`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelVerdict {
    pub accepted: bool,
    /// Positive errno when rejected, 0 when accepted.
    pub errno: i32,
    /// The verifier log's last line when rejected (empty when accepted or when nothing was logged).
    pub last_line: String,
}

/// One `BPF_BTF_LOAD`; the fd is closed at once. `Err(errno)` on rejection.
pub fn btf_load(data: &[u8], log: Option<&mut [u8]>) -> Result<(), i32> {
    let mut attr = BtfLoadAttr {
        btf: data.as_ptr() as u64,
        btf_size: data.len().min(u32::MAX as usize) as u32,
        ..Default::default()
    };
    if let Some(log) = log {
        attr.btf_log_buf = log.as_mut_ptr() as u64;
        attr.btf_log_size = log.len() as u32;
        attr.btf_log_level = 1;
    }
    // SAFETY: `attr` is a valid BPF_BTF_LOAD attribute whose pointers (data, log) outlive the
    // call; the kernel reads `btf_size` bytes of `data` and writes at most `btf_log_size` bytes.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            BPF_BTF_LOAD,
            &mut attr as *mut BtfLoadAttr,
            std::mem::size_of::<BtfLoadAttr>(),
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0));
    }
    // SAFETY: `fd` is a file descriptor this call just received and nothing else owns.
    unsafe { libc::close(fd as i32) };
    Ok(())
}

/// The last line of a verifier log (up to its NUL, trailing newline dropped).
pub fn last_line(log: &[u8]) -> String {
    let end = log.iter().position(|&c| c == 0).unwrap_or(log.len());
    let b = &log[..end];
    let b = b.strip_suffix(b"\n").unwrap_or(b);
    let start = b.iter().rposition(|&c| c == b'\n').map_or(0, |p| p + 1);
    String::from_utf8_lossy(&b[start..]).into_owned()
}

/// The kernel's verdict on `data`: a load without a log decides (a log that overflows would turn
/// acceptance into `ENOSPC`); a rejection is loaded again with a rotating 1 MiB log for its last
/// line.
pub fn verdict(data: &[u8]) -> KernelVerdict {
    match btf_load(data, None) {
        Ok(()) => KernelVerdict {
            accepted: true,
            errno: 0,
            last_line: String::new(),
        },
        Err(errno) => {
            let mut log = vec![0u8; 1 << 20];
            let _ = btf_load(data, Some(&mut log));
            KernelVerdict {
                accepted: false,
                errno,
                last_line: last_line(&log),
            }
        }
    }
}

/// A minimal valid BTF: one `int`.
pub fn trivial_btf() -> Vec<u8> {
    let mut b = Vec::new();
    for w in [0x0001_eb9f_u32, 24, 0, 16, 16, 5] {
        b.extend_from_slice(&w.to_ne_bytes());
    }
    // magic is a u16 then version u8 then flags u8: rewrite the first word byte-wise.
    b[0..2].copy_from_slice(&0xeb9f_u16.to_ne_bytes());
    b[2] = 1;
    b[3] = 0;
    for w in [1u32, 1 << 24, 4, (1 << 24) | 32] {
        b.extend_from_slice(&w.to_ne_bytes());
    }
    b.extend_from_slice(b"\0int\0");
    b
}

/// Why the kernel oracle cannot be used here, if it cannot: not root, or `BPF_BTF_LOAD` refuses
/// a trivial valid BTF.
pub fn unavailable() -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not root (BPF_BTF_LOAD needs CAP_BPF)".into());
    }
    match btf_load(&trivial_btf(), None) {
        Ok(()) => None,
        Err(e) => Some(format!(
            "the kernel refuses BPF_BTF_LOAD of a trivial valid BTF (errno {e})"
        )),
    }
}

/// The BTF of a BPF object as libbpf 1.7.0 finalises it when opening (DATASEC sizes and VAR
/// offsets filled in from the ELF symbols): `bpf_object__open_file` + `bpf_object__btf` +
/// `btf__raw_data`. `None` when libbpf cannot open the object or it has no BTF.
pub fn libbpf_object_btf(path: &std::path::Path) -> Option<Vec<u8>> {
    use std::ffi::CString;
    let cpath = CString::new(path.as_os_str().as_encoded_bytes()).ok()?;
    // SAFETY: a NUL-terminated path; NULL options are allowed. The object is closed below and
    // the raw data copied out before.
    unsafe {
        let obj = libbpf_sys::bpf_object__open_file(cpath.as_ptr(), std::ptr::null());
        if obj.is_null() || libbpf_sys::libbpf_get_error(obj as *const _) != 0 {
            return None;
        }
        let btf = libbpf_sys::bpf_object__btf(obj);
        let out = if btf.is_null() {
            None
        } else {
            let mut size: u32 = 0;
            let p = libbpf_sys::btf__raw_data(btf, &mut size) as *const u8;
            (!p.is_null()).then(|| std::slice::from_raw_parts(p, size as usize).to_vec())
        };
        libbpf_sys::bpf_object__close(obj);
        out
    }
}
