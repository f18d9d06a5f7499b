//! Pictures drawn on the server as SVG, for what people would rather look than read: the score
//! spread of a group with its award minimums, each reviewer against the others, the progress of
//! each checkpoint. No script and no outside library: the picture is in the page, styled by
//! `app.css` (classes, no inline style, so the CSP holds), and each carries its text
//! alternative (`role="img"`, a `<title>` and a `<desc>` saying in words what it shows), so a
//! screen reader hears the numbers the eye sees.
//!
//! Positions are computed in floating point because they are drawing coordinates; the numbers
//! written (labels, the text alternative) come from the exact values the caller passes.

use std::fmt::Write;

/// An SVG picture, ready to put into a page (`{{ chart|safe }}`).
#[derive(Debug, Clone, Default)]
pub struct Svg(pub String);

impl std::fmt::Display for Svg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

use crate::web::format::escape as esc;

/// The opening of a picture with its text alternative; `id` makes the title and description
/// ids unique on the page.
fn open(out: &mut String, id: &str, width: f64, height: f64, title: &str, desc: &str) {
    let _ = write!(
        out,
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0} {height:.0}" role="img" aria-labelledby="{id}-t {id}-d" preserveAspectRatio="xMinYMin meet"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(desc)
    );
}

/// One community's total on a spread: where it stands and how it is marked.
pub struct Dot {
    /// The total in points (for drawing).
    pub value: f64,
    /// Shown on hover: `E01 94.33 特優`.
    pub label: String,
    /// Award level index (0 = highest), or `None` for no award.
    pub level: Option<usize>,
}

/// A level's minimum, drawn as a line across the spread.
pub struct Mark {
    pub value: f64,
    pub label: String,
}

/// The totals of a group along a scale, one dot per community (dots of nearly equal totals
/// stacked), with the award minimums as labelled lines and a legend of the levels.
pub fn score_spread(id: &str, title: &str, desc: &str, dots: &[Dot], marks: &[Mark], legend: &[String]) -> Svg {
    let (width, left, right) = (420.0, 14.0, 14.0);
    // The scale: from a round ten below the lowest value shown to 100.
    let lowest = dots.iter().map(|d| d.value).chain(marks.iter().map(|m| m.value)).fold(100.0_f64, f64::min);
    let from = ((lowest - 5.0) / 10.0).floor().clamp(0.0, 9.0) * 10.0;
    let to = 100.0;
    let x = |v: f64| left + (v.clamp(from, to) - from) / (to - from) * (width - left - right);
    // Stack dots whose centres would be closer than a dot.
    let radius = 5.5;
    let mut placed: Vec<(f64, usize)> = Vec::new();
    let mut stacked: Vec<(f64, usize, &Dot)> = Vec::new();
    let mut sorted: Vec<&Dot> = dots.iter().collect();
    sorted.sort_by(|a, b| a.value.total_cmp(&b.value));
    for d in sorted {
        let cx = x(d.value);
        let level =
            placed.iter().filter(|(px, _)| (px - cx).abs() < radius * 2.0).map(|(_, l)| l + 1).max().unwrap_or(0);
        placed.push((cx, level));
        stacked.push((cx, level, d));
    }
    let rows = placed.iter().map(|(_, l)| l + 1).max().unwrap_or(1).min(12);
    let axis_y = 40.0 + rows as f64 * radius * 2.0 + 8.0;
    let height = axis_y + 48.0;
    let mut out = String::new();
    open(&mut out, id, width, height, title, desc);
    // Minimums: a dashed line from top to axis, labelled at the top.
    for (i, m) in marks.iter().enumerate() {
        let mx = x(m.value);
        let _ = write!(
            out,
            r#"<line class="mark" x1="{mx:.1}" y1="24" x2="{mx:.1}" y2="{axis_y:.1}"/><text class="mark-label" x="{mx:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            14.0 + (i % 2) as f64 * 0.0,
            esc(&m.label)
        );
    }
    for (cx, level, d) in &stacked {
        let cy = axis_y - radius - 2.0 - (*level).min(rows - 1) as f64 * radius * 2.0;
        let class = d.level.map_or("dot none".to_string(), |l| format!("dot level-{}", l.min(3)));
        let _ = write!(
            out,
            r#"<circle class="{class}" cx="{cx:.1}" cy="{cy:.1}" r="{radius}"><title>{}</title></circle>"#,
            esc(&d.label)
        );
    }
    // The axis with a tick every ten points.
    let _ =
        write!(out, r#"<line class="axis" x1="{left}" y1="{axis_y:.1}" x2="{:.1}" y2="{axis_y:.1}"/>"#, width - right);
    let mut tick = from;
    while tick <= to + 0.1 {
        let tx = x(tick);
        let _ = write!(
            out,
            r#"<line class="axis" x1="{tx:.1}" y1="{axis_y:.1}" x2="{tx:.1}" y2="{:.1}"/><text class="tick" x="{tx:.1}" y="{:.1}" text-anchor="middle">{tick:.0}</text>"#,
            axis_y + 5.0,
            axis_y + 18.0
        );
        tick += 10.0;
    }
    // Legend: one dot per level and one for no award.
    let mut lx = left;
    let ly = axis_y + 38.0;
    for (i, name) in legend.iter().enumerate() {
        let class = if i + 1 == legend.len() { "dot none".to_string() } else { format!("dot level-{}", i.min(3)) };
        let _ = write!(
            out,
            r#"<circle class="{class}" cx="{:.1}" cy="{:.1}" r="5"/><text class="legend" x="{:.1}" y="{:.1}">{}</text>"#,
            lx + 5.0,
            ly - 4.0,
            lx + 14.0,
            ly,
            esc(name)
        );
        lx += 22.0 + name.chars().map(|c| if c.is_ascii() { 7.0 } else { 13.0 }).sum::<f64>();
    }
    out.push_str("</svg>");
    Svg(out)
}

/// One bar of a diverging chart: a name and a signed value (its text as shown).
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub text: String,
    /// Marked as standing out (a lenient or harsh hand).
    pub flagged: bool,
}

/// Bars to the right (positive) and left (negative) of zero, one row each: each reviewer's
/// mean against the others' on the same communities.
pub fn diverging_bars(id: &str, title: &str, desc: &str, bars: &[Bar], left_label: &str, right_label: &str) -> Svg {
    let (width, name_width, row) = (420.0, 110.0, 26.0);
    let span = bars.iter().map(|b| b.value.abs()).fold(5.0_f64, f64::max);
    let plot_left = name_width + 8.0;
    let plot_width = width - plot_left - 56.0;
    let zero = plot_left + plot_width / 2.0;
    let scale = plot_width / 2.0 / span;
    let height = 28.0 + bars.len() as f64 * row + 10.0;
    let mut out = String::new();
    open(&mut out, id, width, height, title, desc);
    let _ = write!(
        out,
        r#"<text class="legend" x="{:.1}" y="14" text-anchor="end">{}</text><text class="legend" x="{:.1}" y="14">{}</text>"#,
        zero - 6.0,
        esc(left_label),
        zero + 6.0,
        esc(right_label)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = 24.0 + i as f64 * row;
        let w = (b.value.abs() * scale).max(1.0);
        let bx = if b.value < 0.0 { zero - w } else { zero };
        let class = match (b.value < 0.0, b.flagged) {
            (_, true) => "bar flagged",
            (true, false) => "bar below",
            (false, false) => "bar above",
        };
        let text_x = if b.value < 0.0 { bx - 4.0 } else { bx + w + 4.0 };
        let anchor = if b.value < 0.0 { "end" } else { "start" };
        let _ = write!(
            out,
            r#"<text class="name" x="{name_width:.1}" y="{:.1}" text-anchor="end">{}</text><rect class="{class}" x="{bx:.1}" y="{:.1}" width="{w:.1}" height="{:.1}"/><text class="value" x="{text_x:.1}" y="{:.1}" text-anchor="{anchor}">{}</text>"#,
            y + row * 0.6,
            esc(&b.label),
            y + 4.0,
            row - 8.0,
            y + row * 0.6,
            esc(&b.text)
        );
    }
    let _ = write!(out, r#"<line class="axis" x1="{zero:.1}" y1="20" x2="{zero:.1}" y2="{:.1}"/>"#, height - 6.0);
    out.push_str("</svg>");
    Svg(out)
}

/// One stacked bar: a name and counts per part, in the order of the parts.
pub struct Stack {
    pub label: String,
    pub counts: Vec<usize>,
}

/// Horizontal bars split into parts (on time, late, missing, not due yet), one per row, with a
/// legend: the checkpoints of a group at a glance. `parts` are (class, legend text).
pub fn stacked_bars(id: &str, title: &str, desc: &str, stacks: &[Stack], parts: &[(&str, String)]) -> Svg {
    let (width, name_width, row) = (420.0, 96.0, 28.0);
    let plot_left = name_width + 8.0;
    let plot_width = width - plot_left - 16.0;
    let height = 14.0 + stacks.len() as f64 * row + 34.0;
    let mut out = String::new();
    open(&mut out, id, width, height, title, desc);
    for (i, s) in stacks.iter().enumerate() {
        let y = 8.0 + i as f64 * row;
        let total: usize = s.counts.iter().sum();
        let _ = write!(
            out,
            r#"<text class="name" x="{name_width:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            y + row * 0.6,
            esc(&s.label)
        );
        let mut bx = plot_left;
        for (k, &n) in s.counts.iter().enumerate() {
            if n == 0 || total == 0 {
                continue;
            }
            let w = n as f64 / total as f64 * plot_width;
            let class = parts.get(k).map_or("part", |p| p.0);
            let name = parts.get(k).map_or(String::new(), |p| p.1.clone());
            let _ = write!(
                out,
                r#"<rect class="{class}" x="{bx:.1}" y="{:.1}" width="{w:.1}" height="{:.1}"><title>{} {n}</title></rect>"#,
                y + 3.0,
                row - 8.0,
                esc(&name)
            );
            if w >= 22.0 {
                let _ = write!(
                    out,
                    r#"<text class="count {class}" x="{:.1}" y="{:.1}" text-anchor="middle">{n}</text>"#,
                    bx + w / 2.0,
                    y + row * 0.6
                );
            }
            bx += w;
        }
    }
    let mut lx = plot_left;
    let ly = height - 12.0;
    for (class, name) in parts {
        let _ = write!(
            out,
            r#"<rect class="{class}" x="{lx:.1}" y="{:.1}" width="12" height="12"/><text class="legend" x="{:.1}" y="{ly:.1}">{}</text>"#,
            ly - 10.0,
            lx + 16.0,
            esc(name)
        );
        lx += 30.0 + name.chars().map(|c| if c.is_ascii() { 7.0 } else { 13.0 }).sum::<f64>();
    }
    out.push_str("</svg>");
    Svg(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_every_picture_says_what_it_shows() {
        let dots = [Dot { value: 91.5, label: "<b>E1</b> 91.50".into(), level: Some(0) }];
        let svg = score_spread("g1", "分數分布", "1 個社群：91.50", &dots, &[], &["特優".into(), "未獲獎".into()]).0;
        assert!(svg.contains("&lt;b&gt;E1&lt;/b&gt;"), "{svg}");
        assert!(svg.contains(r#"role="img""#) && svg.contains("<title id=\"g1-t\">分數分布</title>"));
        assert!(svg.contains("<desc id=\"g1-d\">1 個社群：91.50</desc>"));
        let bars = [Bar { label: "A & B".into(), value: -3.0, text: "−3.00".into(), flagged: true }];
        let svg = diverging_bars("s", "t", "d", &bars, "較嚴", "較寬").0;
        assert!(svg.contains("A &amp; B") && svg.contains("bar flagged"));
        let svg = stacked_bars(
            "p",
            "t",
            "d",
            &[Stack { label: "期中".into(), counts: vec![3, 1, 0] }],
            &[("ok", "準時".into()), ("late", "逾期".into()), ("missing", "未交".into())],
        )
        .0;
        assert!(svg.contains("準時 3") && svg.contains("逾期 1") && !svg.contains("未交 0"), "{svg}");
    }
}
