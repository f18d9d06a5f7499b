//! Checks that run on a spreadsheet before any reader builds it in memory.
//!
//! A spreadsheet is small on disk and can be enormous once read: a ZIP member deflates a
//! thousandfold, an ODS cell says "repeat me 16,384 times", and the readers of ODS and old
//! Excel files lay a sheet out as a dense grid from its first to its last used cell, so two
//! cells at `A1` and `IV65536` cost sixteen million slots. These checks read only what they
//! must (the ZIP directory and members, streamed; the ODS XML, streamed; the XLS record
//! headers) and refuse, with the size they found, anything over the [`Limits`].

use std::io::{Cursor, Read};

use crate::table::{Limits, TableError, TooLarge};

/// A reader that counts what comes out and stops past a limit.
struct Counted<'a, R> {
    inner: R,
    total: &'a mut u64,
    limit: u64,
}

/// The error a [`Counted`] reader stops with.
#[derive(Debug)]
struct OverLimit;

impl std::fmt::Display for OverLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("over the unpacked limit")
    }
}

impl std::error::Error for OverLimit {}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        *self.total += n as u64;
        if *self.total > self.limit {
            return Err(std::io::Error::other(OverLimit));
        }
        Ok(n)
    }
}

/// Refuses a ZIP package (xlsx, ods) whose members unpack to more than the limit — counting
/// what really comes out of each member, not what its header claims — or whose XML is not
/// well formed: an element left open at the end of a member sends the spreadsheet reader
/// round in circles for ever (an ODS cut short inside a table did), so every XML member is
/// read through first and must close what it opens.
pub fn unpacked_size(bytes: &[u8], limits: &Limits, format: &'static str) -> Result<(), TableError> {
    let workbook_error = |detail: String| TableError::Workbook { format, detail };
    let too_large = || TableError::TooLarge(TooLarge::Unpacked { max: limits.max_unpacked });
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| workbook_error(e.to_string()))?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let member = archive.by_index(i).map_err(|e| workbook_error(e.to_string()))?;
        let name = member.name().map(|n| n.to_string()).unwrap_or_default();
        let xml = name.ends_with(".xml") || name.ends_with(".rels");
        let mut counted = Counted { inner: member, total: &mut total, limit: limits.max_unpacked };
        if xml {
            match well_formed(&mut counted) {
                Ok(()) => {}
                Err(e) if e.contains("over the unpacked limit") => return Err(too_large()),
                Err(e) => return Err(workbook_error(format!("{name}: {e}"))),
            }
        } else {
            match std::io::copy(&mut counted, &mut std::io::sink()) {
                Ok(_) => {}
                Err(e) if e.get_ref().is_some_and(|inner| inner.is::<OverLimit>()) => return Err(too_large()),
                Err(e) => return Err(workbook_error(format!("{name}: {e}"))),
            }
        }
    }
    Ok(())
}

/// Reads XML through: every element closed, in order, by the end.
fn well_formed(source: impl Read) -> Result<(), String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(std::io::BufReader::new(source));
    let mut buf = Vec::new();
    let mut depth: u64 = 0;
    loop {
        match reader.read_event_into(&mut buf).map_err(|e| e.to_string())? {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.checked_sub(1).ok_or("an element closes that was never opened")?,
            Event::Eof if depth == 0 => return Ok(()),
            Event::Eof => return Err(format!("{depth} element(s) left open at the end")),
            _ => {}
        }
        buf.clear();
    }
}

/// The grid a reader would lay out for one sheet: from the first to the last used row and
/// column.
#[derive(Debug, Default, Clone, Copy)]
struct Extent {
    used: bool,
    first_row: u64,
    last_row: u64,
    first_col: u64,
    last_col: u64,
}

impl Extent {
    fn add(&mut self, rows: (u64, u64), cols: (u64, u64)) {
        if !self.used {
            *self = Extent { used: true, first_row: rows.0, last_row: rows.1, first_col: cols.0, last_col: cols.1 };
            return;
        }
        self.first_row = self.first_row.min(rows.0);
        self.last_row = self.last_row.max(rows.1);
        self.first_col = self.first_col.min(cols.0);
        self.last_col = self.last_col.max(cols.1);
    }

    /// Refuses a grid over the limits, naming its span.
    fn check(&self, limits: &Limits) -> Result<(), TableError> {
        if !self.used {
            return Ok(());
        }
        let rows = self.last_row - self.first_row + 1;
        let columns = self.last_col - self.first_col + 1;
        let over = self.last_row >= u64::from(limits.max_rows)
            || self.last_col >= u64::from(limits.max_columns)
            || rows.saturating_mul(columns) > limits.max_grid;
        if over {
            return Err(TableError::TooLarge(TooLarge::Sheet {
                first: (self.first_row, self.first_col),
                last: (self.last_row, self.last_col),
                limits: *limits,
            }));
        }
        Ok(())
    }
}

/// Refuses an ODS whose tables, with their repeated rows and columns expanded, would lay out
/// a grid over the limits. Every table counts: the reader builds all of them.
pub fn ods_extent(bytes: &[u8], limits: &Limits) -> Result<(), TableError> {
    use quick_xml::events::Event;
    let workbook_error = |detail: String| TableError::Workbook { format: "ods", detail };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| workbook_error(e.to_string()))?;
    let content = match archive.by_name("content.xml") {
        Ok(member) => member,
        // The reader will say what is wrong.
        Err(_) => return Ok(()),
    };
    let mut reader = quick_xml::Reader::from_reader(std::io::BufReader::new(content));
    let mut buf = Vec::new();
    let mut extent = Extent::default();
    // Position in the current table and row, repeats expanded.
    let mut row: u64 = 0;
    let mut col: u64 = 0;
    let mut row_repeat: u64 = 1;
    let mut in_table = false;
    let repeat_of = |e: &quick_xml::events::BytesStart, name: &str| -> u64 {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == name)
            .and_then(|a| a.value.trim().parse::<u64>().ok())
            .unwrap_or(1)
            .max(1)
    };
    let has_value = |e: &quick_xml::events::BytesStart| {
        e.attributes().flatten().any(|a| {
            let key = a.key.as_ref();
            key == "office:value-type" || key == "table:formula" || key == "calcext:value-type"
        })
    };
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| workbook_error(e.to_string()))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty_element = matches!(event, Event::Empty(_));
                match e.name().as_ref() {
                    "table:table" => {
                        extent.check(limits)?;
                        extent = Extent::default();
                        in_table = !empty_element;
                        row = 0;
                    }
                    "table:table-row" if in_table => {
                        row_repeat = repeat_of(e, "table:number-rows-repeated");
                        col = 0;
                        if empty_element {
                            row = row.saturating_add(row_repeat);
                        }
                    }
                    "table:table-cell" | "table:covered-table-cell" if in_table => {
                        let repeat = repeat_of(e, "table:number-columns-repeated");
                        // A cell with content (a value, a formula, or text inside it) is used;
                        // a bare styled cell is not.
                        if has_value(e) || !empty_element {
                            let last_row = row.saturating_add(row_repeat - 1);
                            let last_col = col.saturating_add(repeat - 1);
                            extent.add((row, last_row), (col, last_col));
                            extent.check(limits)?;
                        }
                        col = col.saturating_add(repeat);
                    }
                    _ => {}
                }
            }
            Event::End(ref e) => match e.name().as_ref() {
                "table:table-row" if in_table => row = row.saturating_add(row_repeat),
                "table:table" => {
                    extent.check(limits)?;
                    extent = Extent::default();
                    in_table = false;
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    extent.check(limits)
}

/// Refuses an old Excel workbook (BIFF in an OLE2 compound file) whose sheets would lay out a
/// grid over the limits. The reader builds every sheet when it opens the file, so every
/// sheet is checked, from the cell records' row and column numbers.
pub fn xls_extent(bytes: &[u8], limits: &Limits) -> Result<(), TableError> {
    let stream = cfb::workbook_stream(bytes).map_err(|detail| TableError::Workbook { format: "xls", detail })?;
    let mut extent = Extent::default();
    let mut depth: u32 = 0;
    let mut at = 0usize;
    while at + 4 <= stream.len() {
        let kind = u16::from_le_bytes([stream[at], stream[at + 1]]);
        let len = usize::from(u16::from_le_bytes([stream[at + 2], stream[at + 3]]));
        let data = &stream[at + 4..(at + 4 + len).min(stream.len())];
        at += 4 + len;
        let u16_at = |i: usize| data.get(i..i + 2).map(|b| u64::from(u16::from_le_bytes([b[0], b[1]])));
        match kind {
            // BOF: a new substream (the globals, then each sheet; charts nest inside).
            0x0809 => {
                if depth == 0 {
                    extent.check(limits)?;
                    extent = Extent::default();
                }
                depth += 1;
            }
            // EOF
            0x000A => depth = depth.saturating_sub(1),
            // The cell records the reader turns into cells: Number, Label, RString, BoolErr,
            // Rk, LabelSst, Formula (row, column first).
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                if let (Some(r), Some(c)) = (u16_at(0), u16_at(2)) {
                    extent.add((r, r), (c, c));
                }
            }
            // MulRk: row, first column, the values, last column.
            0x00BD if data.len() >= 6 => {
                if let (Some(r), Some(first), Some(last)) = (u16_at(0), u16_at(2), u16_at(data.len() - 2)) {
                    extent.add((r, r), (first.min(last), first.max(last)));
                }
            }
            _ => {}
        }
    }
    extent.check(limits)
}

/// Just enough of the OLE2 compound file format (MS-CFB) to find the workbook stream.
mod cfb {
    const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
    const FREE: u32 = 0xFFFF_FFFF;

    fn u16_at(b: &[u8], i: usize) -> Result<u16, String> {
        b.get(i..i + 2).map(|s| u16::from_le_bytes([s[0], s[1]])).ok_or_else(|| "truncated file".to_string())
    }

    fn u32_at(b: &[u8], i: usize) -> Result<u32, String> {
        b.get(i..i + 4)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
            .ok_or_else(|| "truncated file".to_string())
    }

    struct File<'a> {
        bytes: &'a [u8],
        sector_size: usize,
        fat: Vec<u32>,
    }

    impl File<'_> {
        fn sector(&self, id: u32) -> Result<&[u8], String> {
            let start = (id as usize).checked_add(1).and_then(|n| n.checked_mul(self.sector_size));
            start
                .and_then(|s| self.bytes.get(s..s + self.sector_size))
                .ok_or_else(|| format!("sector {id} is outside the file"))
        }

        /// The sectors of a chain, in order; refuses loops and chains longer than the file.
        fn chain(&self, first: u32, next: &[u32]) -> Result<Vec<u32>, String> {
            let mut out = Vec::new();
            let mut id = first;
            while id != END_OF_CHAIN && id != FREE {
                if out.len() > next.len() {
                    return Err("a sector chain loops".into());
                }
                out.push(id);
                id = *next.get(id as usize).ok_or_else(|| format!("sector {id} is not in the allocation table"))?;
            }
            Ok(out)
        }

        fn read_chain(&self, first: u32, size: Option<usize>) -> Result<Vec<u8>, String> {
            let mut out = Vec::new();
            for id in self.chain(first, &self.fat)? {
                out.extend_from_slice(self.sector(id)?);
            }
            if let Some(size) = size {
                if out.len() < size {
                    return Err("a stream is shorter than its directory entry says".into());
                }
                out.truncate(size);
            }
            Ok(out)
        }
    }

    /// The `Workbook` (BIFF8) or `Book` (BIFF5) stream of a compound file.
    pub fn workbook_stream(bytes: &[u8]) -> Result<Vec<u8>, String> {
        if bytes.len() < 512 || bytes[..8] != [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] {
            return Err("not a compound file".into());
        }
        let sector_size = match u16_at(bytes, 0x1E)? {
            9 => 512,
            12 => 4096,
            n => return Err(format!("unknown sector size 2^{n}")),
        };
        let mini_size = 1usize << u16_at(bytes, 0x20)?.min(12);
        let fat_sectors = u32_at(bytes, 0x2C)? as usize;
        let first_dir = u32_at(bytes, 0x30)?;
        let cutoff = u32_at(bytes, 0x38)? as usize;
        let first_minifat = u32_at(bytes, 0x3C)?;
        let mut difat_next = u32_at(bytes, 0x44)?;
        let sectors_in_file = bytes.len() / sector_size;
        if fat_sectors > sectors_in_file {
            return Err("the allocation table is larger than the file".into());
        }
        // Where the allocation table's own sectors are: 109 in the header, more in DIFAT sectors.
        let mut fat_ids: Vec<u32> = (0..109).map(|i| u32_at(bytes, 0x4C + 4 * i)).collect::<Result<_, _>>()?;
        let mut file = File { bytes, sector_size, fat: Vec::new() };
        let mut hops = 0;
        while difat_next != END_OF_CHAIN && difat_next != FREE && fat_ids.len() < fat_sectors + 109 {
            hops += 1;
            if hops > sectors_in_file {
                return Err("the DIFAT chain loops".into());
            }
            let sector = file.sector(difat_next)?;
            let per = sector_size / 4 - 1;
            for i in 0..per {
                fat_ids.push(u32_at(sector, 4 * i)?);
            }
            difat_next = u32_at(sector, 4 * per)?;
        }
        fat_ids.truncate(fat_sectors);
        let mut fat = Vec::with_capacity(fat_sectors * sector_size / 4);
        for id in fat_ids {
            let sector = file.sector(id)?;
            fat.extend((0..sector_size / 4).map(|i| u32::from_le_bytes(sector[4 * i..4 * i + 4].try_into().unwrap())));
        }
        file.fat = fat;
        let directory = file.read_chain(first_dir, None)?;
        let entries: Vec<&[u8]> = directory.chunks_exact(128).collect();
        let root = entries.first().ok_or("no directory")?;
        let name_of = |e: &[u8]| -> Result<String, String> {
            let len = (u16_at(e, 0x40)? as usize).min(64).saturating_sub(2);
            let units: Vec<u16> = e[..len].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
            Ok(String::from_utf16_lossy(&units))
        };
        let entry = entries
            .iter()
            .find(|e| e[0x42] == 2 && matches!(name_of(e).as_deref(), Ok("Workbook" | "Book")))
            .ok_or("no workbook stream")?;
        let start = u32_at(entry, 0x74)?;
        let size = u32_at(entry, 0x78)? as usize;
        if size > bytes.len() {
            return Err("the workbook stream is larger than the file".into());
        }
        if size >= cutoff {
            return file.read_chain(start, Some(size));
        }
        // A small stream lives in the mini stream (the root entry's data), in small sectors.
        let mini_stream = file.read_chain(u32_at(root, 0x74)?, None)?;
        let minifat_bytes = file.read_chain(first_minifat, None)?;
        let minifat: Vec<u32> =
            minifat_bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        let mut out = Vec::with_capacity(size);
        for id in file.chain(start, &minifat)? {
            let at = id as usize * mini_size;
            out.extend_from_slice(
                mini_stream.get(at..at + mini_size).ok_or("a small sector is outside the mini stream")?,
            );
        }
        if out.len() < size {
            return Err("a stream is shorter than its directory entry says".into());
        }
        out.truncate(size);
        Ok(out)
    }
}
