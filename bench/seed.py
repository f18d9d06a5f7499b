"""Setting up a year over HTTP as its people would, for the benches: the first administrator,
schools and communities imported as CSV (each convener invited), conveners accepting their
invitations or signing in, and a community's own work — members, meeting records with their
sign-in sheets, files, video links, the self-evaluation. Every step goes through the pages and
forms a browser would use (cookies, CSRF tokens, redirects followed) and checks the answer."""
import html
import re

from server import Browser, CheckFailed, expect

PASSWORD = "bench password 2023"
ADMIN_EMAIL = "office@bench.example.tw"
# Taoyuan's districts, for the schools' addresses.
DISTRICTS = ["桃園區", "中壢區", "平鎮區", "八德區", "楊梅區", "蘆竹區", "大溪區", "龍潭區", "龜山區", "大園區", "觀音區", "新屋區",
             "復興區"]
TOPICS = ["閱讀理解策略", "數學素養任務設計", "自然探究與實作", "雙語教學", "SDGs 跨領域課程", "科技輔助學習", "差異化教學", "社會議題探究",
          "英語口說", "藝術與美感", "資訊科技", "生命教育"]


def first_admin(url, link, host, port):
    """Opens the first-run link and creates the office's administrator; returns its session."""
    office = Browser(host, port)
    path = link[len(url):]
    office.get(path)
    status, _, body = office.post(
        path, {"name": "教育局承辦人", "email": ADMIN_EMAIL, "password": PASSWORD, "confirm": PASSWORD}
    )
    expect("first administrator", status, 200, body)
    return office


def sign_in(host, port, email, password=PASSWORD, log=None):
    """A new session signed in through the login form."""
    browser = Browser(host, port, log)
    browser.get("/login")
    status, _, body = browser.post("/login", {"email": email, "password": password, "next": ""}, follow=False)
    expect(f"signing in as {email}", status, 303, body)
    return browser


def import_schools(office, schools):
    """`schools`: (code, name, level 國小/國中, district) rows, imported as one CSV file."""
    text = "code,name,level,district\n" + "".join(f"{c},{n},{lv},{d}\n" for c, n, lv, d in schools)
    office.get("/office/schools")
    status, _, body = office.upload("/office/schools/import", "schools.csv", text.encode())
    expect("schools import", status, 200, body)


def import_communities(office, rows):
    """`rows`: (code, school code, track, group, name, convener, e-mail), imported as one CSV file.
    Returns {code: (community id, invitation path)}: without SMTP the page shows each convener's
    link once, for the office to pass on."""
    text = "code,school,track,group,name,convener,email\n" + "".join(",".join(r) + "\n" for r in rows)
    office.get("/office/communities")
    status, _, body = office.upload("/office/communities/import", "communities.csv", text.encode())
    expect("communities import", status, 200, body)
    if f"新增 {len(rows)} 個社群" not in body:
        raise CheckFailed(f"communities import: no '新增 {len(rows)} 個社群' on the page")
    links = dict(re.findall(r'<td class="mono">([^<]+)</td>[^\n]*\n[^\n]*?value="https?://[^"/]*(/invite/[0-9a-f]{64})"', body))
    ids = dict(re.findall(r'<td class="mono">([^<]+)</td>\s*<td><a href="/community/(\d+)"', body))
    if len(links) != len(rows) or len(ids) != len(rows):
        raise CheckFailed(f"communities import: {len(links)} invitation links and {len(ids)} communities on the page "
                          f"for {len(rows)} rows (is SMTP configured?)")
    return {code: (int(ids[code]), links[code]) for code in ids}


def accept_invite(host, port, path, name, log=None):
    """Opens an invitation link in a new browser and sets a name and password: signed in."""
    browser = Browser(host, port, log)
    browser.get(path)
    status, _, body = browser.post(path, {"name": name, "password": PASSWORD, "confirm": PASSWORD})
    expect(f"{name} accepting the invitation", status, 200, body)
    return browser


def pdf(size, seed=0):
    """`size` bytes that the server takes for a PDF (it reads the first bytes)."""
    head = b"%PDF-1.7\n"
    return head + bytes([65 + seed % 26]) * max(0, size - len(head))


def form_action(page, contains):
    """The action of the first upload form on `page` whose action contains `contains`."""
    for action in re.findall(r'<form class="upload"[^>]*action="([^"]*)"', page):
        action = html.unescape(action)
        if contains in action:
            return action
    raise CheckFailed(f"no upload form with {contains} on the page")


class Portal:
    """One community's pages, used by its convener's session (or the office acting for it)."""

    def __init__(self, browser, community_id, code):
        self.b = browser
        self.id = community_id
        self.code = code
        self.base = f"/community/{community_id}"

    def add_member(self, name, title="教師"):
        self.b.get(f"{self.base}/members")
        status, _, body = self.b.post(f"{self.base}/members", {"name": name, "title": title, "school": "", "email": "",
                                                               "national_id": ""})
        expect(f"{self.code}: adding member {name}", status, 200, body)

    def members(self):
        status, _, body = self.b.get(f"{self.base}/meetings/new")
        expect(f"{self.code}: new meeting form", status, 200, body)
        return re.findall(r'name="attendees" value="(\d+)"', body)

    def record_meeting(self, date, kind, topic, attendees, signin_size=0):
        """A meeting record (date as 112/03/15), then its sign-in sheet if `signin_size`."""
        self.b.get(f"{self.base}/meetings/new")
        fields = [("date", date), ("kind", kind), ("topic", topic),
                  ("minutes", f"{topic}：討論教學設計與學生學習證據，確認下次聚會分工。")]
        fields += [("attendees", a) for a in attendees]
        status, _, page = self.b.post(f"{self.base}/meetings", fields)
        expect(f"{self.code}: meeting of {date}", status, 200, page)
        if signin_size:
            action = form_action(page, "category=signin")
            status, _, body = self.b.upload(action, f"簽到表-{date.replace('/', '')}.pdf", pdf(signin_size, self.id),
                                            "application/pdf")
            expect(f"{self.code}: sign-in sheet of {date}", status, 200, body)

    def upload(self, category, name, content, title=None, kind=None):
        """A file into a category of the files page, as its upload form sends it."""
        status, _, page = self.b.get(f"{self.base}/files")
        expect(f"{self.code}: files page", status, 200, page)
        action = form_action(page, f"category={category}&key=")
        status, _, body = self.b.upload(action, name, content, "application/pdf", title=title, kind=kind)
        expect(f"{self.code}: uploading {name}", status, 200, body)

    def add_link(self, url, title):
        self.b.get(f"{self.base}/files")
        status, _, body = self.b.post(f"{self.base}/links", {"url": url, "title": title})
        expect(f"{self.code}: video link", status, 200, body)

    def self_evaluation(self, levels, submit=True):
        """Rates every indicator of the checklist (levels cycle over good/fair/poor), with an account."""
        status, _, page = self.b.get(f"{self.base}/self-evaluation")
        expect(f"{self.code}: self-evaluation page", status, 200, page)
        indicators = list(dict.fromkeys(re.findall(r'name="level\.([a-z0-9-]+)"', page)))
        fields = {"action": "submit" if submit else "save"}
        for i, indicator in enumerate(indicators):
            fields[f"level.{indicator}"] = levels[i % len(levels)]
            fields[f"account.{indicator}"] = "本學年度依計畫執行，相關紀錄與成果已上傳於成果報告及佐證資料。"
        status, _, body = self.b.post(f"{self.base}/self-evaluation", fields)
        expect(f"{self.code}: self-evaluation", status, 200, body)
