//! The time report as an Excel workbook: the rows of the CSV, with typed
//! cells (hours and seconds as numbers, bucket days as dates, amounts in
//! major units with the currency's decimals). Text is written as text, never
//! as a formula, so a name like `=cmd()` stays a name.

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

use crate::domain::money::Currency;
use crate::domain::report::{Group, Grouping, Report, ReportRange, Totals};

pub const MEDIA_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// One row per group, or per inner group with two levels (as in the CSV).
pub fn report(report: &Report, grouping: Grouping, range: &ReportRange) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Time report")?;
    let bold = Format::new().set_bold();
    let hours = Format::new().set_num_format("0.00");
    let day = Format::new().set_num_format("yyyy-mm-dd");
    let currency = report.currency.as_deref().and_then(|c| Currency::parse(c).ok());
    let money = currency.map(|c| {
        let decimals = usize::from(c.exponent());
        let pattern = if decimals == 0 { "#,##0".to_owned() } else { format!("#,##0.{}", "0".repeat(decimals)) };
        (c, Format::new().set_num_format(pattern))
    });

    let mut header = vec!["key", "label"];
    if grouping.then().is_some() {
        header.extend(["key2", "label2"]);
    }
    if grouping.calendar().is_some() {
        header.push("start");
    }
    header.extend(["hours", "billable_hours", "seconds", "billable_seconds"]);
    if money.is_some() {
        header.extend(["billable_amount", "currency"]);
    }
    for (col, name) in header.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *name, &bold)?;
    }

    // (outer, inner) per row; the calendar bucket is whichever level is one.
    let rows: Vec<(&Group, Option<&Group>)> = match grouping.then() {
        None => report.groups.iter().map(|g| (g, None)).collect(),
        Some(_) => report.groups.iter().flat_map(|g| g.groups.iter().map(move |inner| (g, Some(inner)))).collect(),
    };
    for (i, (outer, inner)) in rows.into_iter().enumerate() {
        let row = i as u32 + 1;
        let mut col: u16 = 0;
        let text = |sheet: &mut rust_xlsxwriter::Worksheet, col: &mut u16, value: &str| -> Result<(), XlsxError> {
            sheet.write_string(row, *col, value)?;
            *col += 1;
            Ok(())
        };
        text(sheet, &mut col, &outer.key)?;
        text(sheet, &mut col, outer.label.as_deref().unwrap_or_default())?;
        if let Some(inner) = inner {
            text(sheet, &mut col, &inner.key)?;
            text(sheet, &mut col, inner.label.as_deref().unwrap_or_default())?;
        }
        if grouping.calendar().is_some() {
            let bucket = [Some(outer), inner].into_iter().flatten().find_map(|g| g.start);
            if let Some(start) = bucket {
                let local = start.with_timezone(&range.zone.tz()).date_naive();
                let date = ExcelDateTime::from_ymd(
                    u16::try_from(chrono::Datelike::year(&local)).unwrap_or(1900),
                    chrono::Datelike::month(&local) as u8,
                    chrono::Datelike::day(&local) as u8,
                )?;
                sheet.write_datetime_with_format(row, col, &date, &day)?;
            }
            col += 1;
        }
        let Totals { seconds, billable_seconds, billable_amount } = inner.unwrap_or(outer).totals;
        sheet.write_number_with_format(row, col, seconds as f64 / 3600.0, &hours)?;
        sheet.write_number_with_format(row, col + 1, billable_seconds as f64 / 3600.0, &hours)?;
        sheet.write_number(row, col + 2, seconds as f64)?;
        sheet.write_number(row, col + 3, billable_seconds as f64)?;
        if let Some((code, format)) = &money {
            let major = billable_amount as f64 / 10f64.powi(i32::from(code.exponent()));
            sheet.write_number_with_format(row, col + 4, major, format)?;
            sheet.write_string(row, col + 5, code.code())?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofit();
    book.save_to_buffer()
}
