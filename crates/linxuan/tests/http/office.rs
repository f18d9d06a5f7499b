//! The office's schools and accounts pages.

use reqwest::StatusCode;

use crate::backends;
use crate::support::TestApp;

const SCHOOLS_CSV: &str = "\u{feff}學校代碼,學校名稱,學制,行政區\r\n\
034601,桃園市立文昌國中,國中,桃園區\r\n\
034602,桃園市立建國國中,國中,桃園區\r\n\
034750,桃園市桃園區西門國民小學,國小,桃園區\r\n\
034751,桃園市中壢區中正國民小學,國民小學,中壢區\r\n\
030403,桃園市立武陵高級中等學校,高中,桃園區\r\n";

async fn import_a_school_list_and_see_it(app: TestApp) {
    let admin = app.admin().await;
    let page = admin.upload("/office/schools/import", "schools.csv", SCHOOLS_CSV.as_bytes().to_vec()).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let list = admin.get("/office/schools").await;
    assert!(list.has("新增 5 校"), "the summary is flashed");
    assert!(list.has("桃園市桃園區西門國民小學") && list.has("共 5 校"));
    let junior = admin.get("/office/schools?level=junior").await;
    assert!(junior.has("共 2 校") && !junior.has("西門國民小學"));
    let district = admin.get("/office/schools?district=%E4%B8%AD%E5%A3%A2%E5%8D%80").await;
    assert!(district.has("共 1 校"));
    // Importing again with one change updates one school and leaves the rest.
    let changed = SCHOOLS_CSV.replace("桃園市立建國國中", "桃園市立建國國民中學");
    admin.upload("/office/schools/import", "schools.csv", changed.into_bytes()).await;
    let list = admin.get("/office/schools").await;
    assert!(list.has("新增 0 校、更新 1 校、未變更 4 校"), "{}", list.body);
    assert_eq!(app.count("schools").await, 5);
    let audit = admin.get("/office/audit?entity=school").await;
    assert!(audit.has("匯入學校"));
    // What is exported imports back unchanged.
    let (status, csv) = admin.get_bytes("/office/schools/export.csv").await;
    assert_eq!(status, StatusCode::OK);
    let page = admin.upload("/office/schools/import", "export.csv", csv).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(admin.get("/office/schools").await.has("未變更 5 校"));
    let (status, xlsx) = admin.get_bytes("/office/schools/export.xlsx?level=junior").await;
    assert_eq!(status, StatusCode::OK);
    let table = linxuan_docs::table::read_table(&xlsx).unwrap();
    assert_eq!(table.rows.len(), 2, "the filter applies to the export");
    let (_, template) = admin.get_bytes("/office/schools/template.csv").await;
    let page = admin.upload("/office/schools/import", "template.csv", template).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "the template itself imports");
}

async fn a_bad_school_file_is_refused_whole(app: TestApp) {
    let admin = app.admin().await;
    let bad = "code,name,level,district\n034601,文昌國中,國中,桃園區\n034602,,國中,桃園區\n034603,某校,大學,桃園區\n034601,重複,國中,桃園區\nbad code!,某校,國小,\n";
    let page = admin.upload("/office/schools/import", "schools.csv", bad.as_bytes().to_vec()).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.has("沒有匯入任何資料"));
    assert!(page.has("第 3 列：學校名稱不可空白"), "{}", page.body);
    assert!(page.has("第 4 列：學制「大學」無法辨識"));
    assert!(page.has("第 5 列：學校代碼 034601 與第 2 列重複"));
    assert!(page.has("第 6 列：學校代碼只能用英數字"));
    assert!(page.has("第 6 列：行政區不可空白"));
    assert_eq!(app.count("schools").await, 0, "nothing half-written");
    let header = admin.upload("/office/schools/import", "x.csv", b"id,title\n1,2\n".to_vec()).await;
    assert_eq!(header.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(header.has("標題列缺少欄位"));
    let binary = admin.upload("/office/schools/import", "x.csv", vec![0xff, 0xfe, 0x00, 0x41, 0x80]).await;
    assert_eq!(binary.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn schools_import_from_xlsx(app: TestApp) {
    let admin = app.admin().await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["code", "name", "level", "district"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_number(1, 0, 34601.0).unwrap();
    sheet.write_string(1, 1, "桃園市立文昌國中").unwrap();
    sheet.write_string(1, 2, "junior").unwrap();
    sheet.write_string(1, 3, "桃園區").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let page = admin.upload("/office/schools/import", "schools.xlsx", bytes).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let list = admin.get("/office/schools").await;
    assert!(list.has(">34601<") && list.has("桃園市立文昌國中"), "a numeric code cell reads as 34601");
}

async fn add_edit_and_delete_a_school(app: TestApp) {
    let admin = app.admin().await;
    let missing =
        admin.post("/office/schools", &[("code", ""), ("name", ""), ("level", "college"), ("district", "")]).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.has("學校代碼不可空白") && missing.has("請選擇學制"));
    let added = admin
        .post(
            "/office/schools",
            &[("code", "034750"), ("name", "西門國小"), ("level", "elementary"), ("district", "桃園區")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let dup = admin
        .post(
            "/office/schools",
            &[("code", "034750"), ("name", "另一校"), ("level", "elementary"), ("district", "桃園區")],
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.has("這個學校代碼已存在"));
    let list = admin.get("/office/schools").await;
    let id_path = list.href_after("id=\"schools\"", "/office/schools/").unwrap();
    assert_eq!(admin.get(&id_path).await.status, StatusCode::OK);
    let saved = admin
        .post(
            &id_path,
            &[
                ("code", "034750"),
                ("name", "桃園市桃園區西門國民小學"),
                ("level", "elementary"),
                ("district", "桃園區"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert!(admin.get("/office/schools").await.has("桃園市桃園區西門國民小學"));
    let deleted = admin.post(&format!("{id_path}/delete"), &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("schools").await, 0);
    let audit = admin.get("/office/audit").await;
    assert!(audit.has("新增學校") && audit.has("修改學校") && audit.has("刪除學校"));
    assert_eq!(admin.get("/office/schools/99999").await.status, StatusCode::NOT_FOUND);
}

backends!(
    import_a_school_list_and_see_it,
    a_bad_school_file_is_refused_whole,
    schools_import_from_xlsx,
    add_edit_and_delete_a_school,
);
