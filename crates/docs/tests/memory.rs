//! What reading a hostile spreadsheet costs in memory, counted by the allocator itself (a
//! count of bytes, not a timing: it is the same on every run). One test per binary, so that
//! nothing else allocates meanwhile.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use linxuan_docs::table::{Limits, read_table, read_table_within};

struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = NOW.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(now, Ordering::SeqCst);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        NOW.fetch_sub(layout.size(), Ordering::SeqCst);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Peak bytes allocated while `f` runs, above what was allocated before.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = NOW.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    let out = f();
    (out, PEAK.load(Ordering::SeqCst) - base)
}

#[test]
fn hostile_spreadsheets_cost_megabytes_not_gigabytes() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "a").unwrap();
    ws.write_string(1_048_575, 16_383, "b").unwrap();
    let corners = wb.save_to_buffer().unwrap();
    let (result, peak) = peak_during(|| read_table(&corners));
    assert!(result.is_err());
    assert!(peak < 16 << 20, "reading two far-apart cells took {} MB", peak >> 20);

    // A sheet of mostly blank (formatted) cells: 200,000 of them, and 3 values.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    ws.write_string(0, 0, "code").unwrap();
    ws.write_string(1, 0, "1").unwrap();
    ws.write_string(2, 0, "2").unwrap();
    for r in 0..2_000u32 {
        for c in 0..100u16 {
            ws.write_blank(r + 10, c, &bold).unwrap();
        }
    }
    let blank = wb.save_to_buffer().unwrap();
    let (result, peak) = peak_during(|| read_table_within(&blank, &Limits::UPLOAD));
    assert_eq!(result.unwrap().rows.len(), 2);
    assert!(peak < 16 << 20, "reading a mostly blank sheet took {} MB", peak >> 20);

    let xls = include_bytes!("data/corners.xls");
    let (result, peak) = peak_during(|| read_table(xls));
    assert!(result.is_err());
    assert!(peak < 16 << 20, "reading an old Excel file with two far-apart cells took {} MB", peak >> 20);
}
