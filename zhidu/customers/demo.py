"""The demo company's customers: what a sales team's book looks like after a year.

Registered from ``CustomersConfig.ready`` as a step of ``zhidu demo`` (order 100, after the
org). Everything goes through the services — ``customer_register`` (duplicate check,
holding cap, protection), ``contact_create``, ``activity_log`` (validity by the
``follow_up`` policy, protection extended by valid follow-ups), ``customer_release`` /
``customer_claim`` (the pools), ``visit_check_in`` (签到 on most visits: a position near
the customer's pinned location and a small generated photo), ``lead_create`` /
``lead_allocate`` / ``lead_convert`` (the turn and conversion), ``conflict_claim_file`` (an approval waiting for a manager) — so
every clock, event and audit row is what a real history would leave.

The services stamp the present; a history needs the past. So each customer is registered,
then its receipt (``created_at``, ``received_at`` and the protection it had then) is moved
back to the day it was received in one set-based update, and its follow-ups are logged in
order with ``now`` = the day they happened: the services then compute protection and the
last valid follow-up as they would have on those days.

Deterministic per seed: every choice comes from the step's own ``random.Random``, and the
rows are created in a fixed order (teams and reps in the org's order).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from zhidu.core import refdata
from zhidu.core.errors import ApplicationError

logger = logging.getLogger(__name__)

STEP_ORDER = 100
STEP_NAME = "customers"

# Customers per rep, by demo size (inclusive range).
PER_REP = {"small": (15, 20), "medium": (20, 30), "large": (30, 40)}

# Pinned locations of the cities the demo's teams are named after (city centre, WGS-84).
CITY_COORDS: dict[str, tuple[float, float]] = {
    "北京": (39.9042, 116.4074), "天津": (39.3434, 117.3616), "石家庄": (38.0428, 114.5149),
    "太原": (37.8706, 112.5489), "呼和浩特": (40.8426, 111.7492), "唐山": (39.6309, 118.1802),
    "沈阳": (41.8057, 123.4315), "大连": (38.9140, 121.6147), "长春": (43.8171, 125.3235),
    "哈尔滨": (45.8038, 126.5350), "上海": (31.2304, 121.4737), "杭州": (30.2741, 120.1551),
    "南京": (32.0603, 118.7969), "苏州": (31.2989, 120.5853), "宁波": (29.8683, 121.5440),
    "合肥": (31.8206, 117.2272), "福州": (26.0745, 119.2965), "济南": (36.6512, 117.1201),
    "青岛": (36.0671, 120.3826), "武汉": (30.5928, 114.3055), "郑州": (34.7466, 113.6254),
    "长沙": (28.2282, 112.9388), "洛阳": (34.6197, 112.4540), "宜昌": (30.6919, 111.2865),
    "广州": (23.1291, 113.2644), "深圳": (22.5431, 114.0579), "东莞": (23.0207, 113.7518),
    "佛山": (23.0215, 113.1214), "南宁": (22.8170, 108.3665), "海口": (20.0440, 110.1999),
    "成都": (30.5728, 104.0668), "重庆": (29.5630, 106.5516), "贵阳": (26.6470, 106.6302),
    "昆明": (24.8801, 102.8329), "绵阳": (31.4675, 104.6796), "西安": (34.3416, 108.9398),
    "兰州": (36.0611, 103.8343), "西宁": (36.6171, 101.7782), "银川": (38.4872, 106.2309),
    "乌鲁木齐": (43.8256, 87.6168),
}  # fmt: skip

# Trade names (字号) and, per industry section, the words a company of that trade uses.
TRADE_NAMES = (
    "恒达", "华信", "金桥", "东方", "鑫源", "瑞丰", "宏图", "天成", "博远", "中科", "振华", "永安", "德隆",
    "新元", "立信", "凯盛", "嘉禾", "正泰", "安捷", "润和", "海纳", "晨光", "腾越", "协力", "长城", "同创",
    "精诚", "远景", "华章", "明辉", "盛世", "联众", "恒通", "汇丰", "康达", "鼎新", "智远", "方圆", "启航",
    "美达", "顺达", "利民", "九州", "春晖", "祥和", "众合", "云帆", "蓝海", "青松", "铭泰",
)  # fmt: skip
INDUSTRY_WORDS: dict[str, tuple[str, ...]] = {
    "C": ("机械制造", "精密机械", "电子科技", "汽车零部件", "新材料", "塑胶制品", "食品", "纺织", "化工", "医疗器械"),
    "F": ("商贸", "贸易", "供应链", "电子商务", "进出口"),
    "I": ("信息技术", "软件", "网络科技", "数据科技", "智能科技"),
    "E": ("建设工程", "建筑装饰", "市政工程"),
    "G": ("物流", "运输", "国际货运代理"),
    "M": ("检测技术", "工程设计", "环保科技", "生物科技"),
    "D": ("能源", "新能源", "燃气"),
    "K": ("置业", "物业服务"),
    "H": ("餐饮管理", "酒店管理"),
    "A": ("农业科技", "生态农业"),
}
# How often each industry shows up in a region's book (manufacturing dominates).
INDUSTRY_WEIGHTS = {"C": 30, "F": 16, "I": 12, "E": 8, "G": 8, "M": 8, "D": 5, "K": 5, "H": 4, "A": 4}

CONTACT_TITLES = {
    "decision_maker": ("总经理", "董事长", "副总经理", "采购总监"),
    "influencer": ("技术总监", "生产经理", "财务经理", "项目经理"),
    "user": ("车间主任", "工程师", "采购专员", "设备主管"),
    "gatekeeper": ("前台", "总经理助理", "行政主管"),
}
DEPARTMENTS = ("采购部", "技术部", "生产部", "总经办", "财务部", "行政部")

# What reps write after a call or a visit (long enough to count as valid), and the short
# notes that do not count (under the follow_up policy's minimum).
CONTENT = (
    "电话沟通了今年的采购计划，对方对我们的新型号感兴趣，约定下周发送报价单",
    "拜访了采购部和技术部，介绍了产品方案，技术总监提出了两项定制需求",
    "客户来我司参观工厂，看了生产线和质检流程，对交期表示满意",
    "寄送了三款样品，对方确认已收到，下周安排测试并反馈结果",
    "微信沟通了报价细节，客户希望年度框架协议能给到阶梯价格",
    "与采购总监共进午餐，了解到对方明年扩产，需求量预计增加三成",
    "召开了项目启动会议，双方确认了实施范围、里程碑和对接人",
    "发送了产品资料和案例介绍邮件，对方回复会在内部评审后再联系",
    "回访了上次试用情况，设备运行稳定，客户同意推荐给兄弟公司",
    "电话跟进付款进度，对方财务说明本月底前安排支付首期款项",
)
SHORT_NOTES = ("未接通", "再联系", "已发资料", "对方在忙")
NEXT_STEPS = (
    "发送正式报价单",
    "安排技术交流会",
    "上门演示样机",
    "跟进样品测试结果",
    "确认合同条款",
    "邀请参观工厂",
    "约采购总监面谈",
)
RELEASE_REASONS = (
    "客户已被集团统一采购，不再单独采购",
    "多次联系不上负责人，号码已停用",
    "客户业务方向调整，暂无需求",
    "客户所在区域调整，交由当地团队跟进",
)
LEAD_SOURCE_DETAILS = {
    "trade_show": ("2026 中国国际工业博览会", "华南国际机械展", "长三角智能制造展"),
    "web_search": ("百度搜索推广", "360 搜索", "必应"),
    "referral": ("老客户推荐", "合作伙伴介绍", "行业协会推荐"),
    "industry_report": ("行业年度报告名录", "上市公司年报"),
    "website_inquiry": ("官网在线咨询", "官网留言"),
    "campaign": ("春季新品推广活动", "线上直播活动", "行业沙龙"),
}


@dataclass
class Book:
    """What the step made, for the report and for the tests."""

    customers: int = 0
    contacts: int = 0
    follow_ups: int = 0
    valid_follow_ups: int = 0
    released: int = 0
    claimed: int = 0
    leads: int = 0
    allocated: int = 0
    converted: int = 0
    conflicts: int = 0
    policies: int = 0
    plans: int = 0
    check_ins: int = 0
    flagged_check_ins: int = 0
    skipped: list[str] = field(default_factory=list)

    def report(self) -> str:
        parts = [
            f"{self.customers} customers",
            f"{self.contacts} contacts",
            f"{self.follow_ups} follow-ups ({self.valid_follow_ups} valid)",
            f"{self.check_ins} visit check-ins ({self.flagged_check_ins} flagged)",
            f"{self.released} released to the pools, {self.claimed} claimed back",
            f"{self.leads} leads ({self.allocated} allocated by the turn, {self.converted} converted)",
            f"{self.conflicts} conflict claim(s) pending",
            f"{self.plans} development plans",
        ]
        if self.policies:
            parts.append(f"{self.policies} policies published")
        if self.skipped:
            parts.append("skipped: " + "; ".join(self.skipped))
        return ", ".join(parts)


class _Names:
    """Distinct company names and credit codes, drawn from the step's generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.names: set[str] = set()
        self.codes: set[str] = set()
        self.phones: set[str] = set()

    def company(self, city: str, industry: str) -> str:
        words = INDUSTRY_WORDS.get(industry) or INDUSTRY_WORDS["C"]
        for _attempt in range(200):
            name = f"{city}{self.rng.choice(TRADE_NAMES)}{self.rng.choice(words)}有限公司"
            if name not in self.names:
                self.names.add(name)
                return name
        # Every combination of this city and trade taken: number the branch.
        n = len(self.names)
        name = f"{city}{self.rng.choice(TRADE_NAMES)}{self.rng.choice(words)}第{n}分公司"
        self.names.add(name)
        return name

    def credit_code(self, province: str) -> str:
        from .validators import CREDIT_CODE_CHARSET, credit_code_check_char

        body_chars = CREDIT_CODE_CHARSET
        while True:
            division = f"{province}{self.rng.randint(1, 9):02d}{self.rng.randint(0, 30):02d}"
            # 9 = registered with the market regulator, 1 = enterprise (9 1 …, the usual form).
            first17 = "91" + division + "".join(self.rng.choice(body_chars) for _ in range(9))
            code = first17 + credit_code_check_char(first17)
            if code not in self.codes:
                self.codes.add(code)
                return code

    def phone(self, landline: bool = False) -> str:
        from zhidu.demo.names import MOBILE_PREFIXES

        while True:
            if landline:
                phone = f"0{self.rng.randint(10, 999)}-{self.rng.randint(2000_0000, 8999_9999)}"
            else:
                phone = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone


def _team_city(team) -> str:
    """The team's city: its name without 组 and an ordinal (上海二组 → 上海)."""
    name = team.name.removesuffix("组")
    for city in sorted(CITY_COORDS, key=len, reverse=True):
        if name.startswith(city):
            return city
    return name


def _cities_of_region(region_zh: str) -> list[tuple[str, str]]:
    from zhidu.demo.names import CITIES

    return [(city, province) for city, province, _code in CITIES.get(region_zh, ())]


def _savepoint(book: Book, what: str, fn, *args, **kwargs):
    """Run one optional piece in a savepoint: a refusal by a service (or a piece another
    app has not finished) is noted in the report and leaves the rest of the demo intact."""
    try:
        with transaction.atomic():
            return fn(*args, **kwargs)
    except (ApplicationError, ImportError, LookupError) as exc:
        note = f"{what}: {getattr(exc, 'message', exc)}"
        logger.info("demo customers: skipped %s", note)
        if note not in book.skipped and len(book.skipped) < 5:
            book.skipped.append(note)
        return None


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    """A moment on a business day, in working hours (business time zone)."""
    t = dt.time(rng.randint(9, 17), rng.choice((0, 10, 15, 20, 30, 40, 45, 50)))
    return timezone.make_aware(dt.datetime.combine(day, t))


def _policies(book: Book, org, today: dt.date) -> None:
    """Publish the company's protection and follow-up rules (the defaults, as versions a
    person can read), in force since the business started."""
    from zhidu.policies.services import policy_draft_create, policy_publish

    for kind, note in (
        ("protection", "保护期：报备后 90 天，有效跟进延长 30 天，最长 180 天（销售管理制度 §3.3）"),
        ("follow_up", "有效跟进：至少 15 字，写明结果；A 类客户每周、B 类每两周跟进一次"),
    ):

        def publish(kind=kind, note=note):
            draft = policy_draft_create(actor=org.admin, kind=kind, unit=None, note=note)
            return policy_publish(actor=org.admin, version=draft, effective_from=org.start, backdate=True, note=note)

        if _savepoint(book, f"policy {kind}", publish) is not None:
            book.policies += 1


def demo_customers(rng: random.Random, size, org) -> str:
    """The demo step: see the module docstring."""

    from .choices import CustomerSize, CustomerStatus, CustomerTier, DecisionRole, LeadSource
    from .models import ActivityType, Customer
    from .policies import policy_for
    from .policies.customers import protected_until_on_receipt
    from .services import activities as act_svc
    from .services import contacts as contact_svc
    from .services import customers as customer_svc

    book = Book()
    names = _Names(rng)
    now = timezone.now()
    today = timezone.localdate(now)
    per_rep = PER_REP.get(size.name, PER_REP["small"])

    if org.admin is not None:
        _savepoint(book, "policies", _policies, book, org, today)

    types = {t.code: t for t in ActivityType.objects.filter(is_active=True)}
    if not types:
        book.skipped.append("follow-ups: no activity types")
    # Kinds of follow-up by how often a rep logs them.
    # WeChat and e-mail do not count under the default policy, nor a visit without a check-in
    # (most demo visits are checked in, see _check_in; the others show as not counting).
    kinds = [k for k in ("call", "call", "call", "call", "wechat", "email", "meeting", "meeting", "visit",
                         "customer_visit", "samples_sent", "business_meal", "factory_tour") if k in types]  # fmt: skip
    industries = [code for code in INDUSTRY_WEIGHTS if code in {i.code for i in refdata.industries()}]
    weights = [INDUSTRY_WEIGHTS[c] for c in industries]
    regions_by_team = {}
    for region in org.regions:
        for team in org.teams:
            if team.parent_id == region.pk:
                regions_by_team[team.pk] = region

    # Who held what, for the pool, the conflict claim and the leads afterwards.
    held: dict[int, list[Customer]] = {}

    for team in org.teams:
        region = regions_by_team.get(team.pk)
        region_zh = region.name.removesuffix("大区") if region else ""
        home_city = _team_city(team)
        home_province = (team.region_codes or ["31"])[0]
        other_cities = [c for c in _cities_of_region(region_zh) if c[0] != home_city] or [(home_city, home_province)]
        protection = policy_for("protection", unit=team)
        holding = policy_for("holding", unit=team)
        follow_up = policy_for("follow_up", unit=team)
        for rep in org.team_reps.get(team.pk, []):
            held[rep.pk] = []
            for _i in range(rng.randint(*per_rep)):
                # Mostly the team's own city, some elsewhere in the region.
                city, province = (home_city, home_province) if rng.random() < 0.7 else rng.choice(other_cities)
                industry = rng.choices(industries, weights=weights)[0]
                tier = rng.choices(CustomerTier.values, weights=(10, 25, 40, 25))[0]
                status = rng.choices(CustomerStatus.values, weights=(50, 30, 12, 8))[0]
                lat, lng = CITY_COORDS.get(city, (31.2304, 121.4737))
                data: dict[str, Any] = {
                    "name": names.company(city, industry),
                    "credit_code": names.credit_code(province),
                    "industry": industry,
                    "province": province,
                    "city": city,
                    "size": rng.choices(CustomerSize.values, weights=(15, 45, 28, 12))[0],
                    "address": f"{city}市{rng.choice(('高新区', '经济开发区', '工业园区', '城东'))}"
                    f"{rng.choice(('科技', '创业', '长江', '人民', '建设'))}路{rng.randint(1, 999)}号",
                    "latitude": Decimal(f"{lat + rng.uniform(-0.08, 0.08):.6f}"),
                    "longitude": Decimal(f"{lng + rng.uniform(-0.08, 0.08):.6f}"),
                    "source": rng.choice([s for s in LeadSource.values if s not in ("import", "api")]),
                    "tier": tier,
                    "status": status,
                }
                role = rng.choice(DecisionRole.values)
                first_contact = _contact_data(rng, names, role="decision_maker" if rng.random() < 0.6 else role)
                # Received some time in the last year; a fifth of the book in the last 8 weeks.
                days_ago = rng.randint(0, 56) if rng.random() < 0.22 else rng.randint(57, 360)
                received_on = today - dt.timedelta(days=days_ago)
                received_at = _at(received_on, rng)
                if received_at > now:
                    received_at = now - dt.timedelta(minutes=rng.randint(5, 120))
                    received_on = timezone.localdate(received_at)
                customer = _savepoint(
                    book,
                    "customer",
                    customer_svc.customer_register,
                    actor=rep,
                    data=data,
                    contact=first_contact,
                    holding_policy=holding,
                    protection_policy=protection,
                    source_label="演示数据",
                )
                if customer is None:
                    continue
                book.customers += 1
                book.contacts += 1
                until = protected_until_on_receipt(received_on, protection.value)
                Customer.objects.filter(pk=customer.pk).update(
                    created_at=received_at, received_at=received_at, protected_until=until
                )
                customer.created_at = customer.received_at = received_at
                customer.protected_until = until
                held[rep.pk].append(customer)
                # A second and third person in the decision chain for the bigger accounts.
                for _c in range(rng.choices((0, 1, 2), weights=(50, 35, 15))[0]):
                    extra = _contact_data(rng, names, role=rng.choice(DecisionRole.values))
                    if _savepoint(
                        book, "contact", contact_svc.contact_create, actor=rep, customer=customer, data=extra
                    ):
                        book.contacts += 1
                if kinds:
                    _follow_ups(book, rng, rep, customer, types, kinds, today, now, follow_up, protection, act_svc)

    _birthdays_and_plans(book, rng, org, held, today, act_svc)
    _pool(book, rng, org, held, now)
    _leads(book, rng, org, names, industries, weights, now)
    _conflict(book, rng, org, held)
    return book.report()


def _contact_data(rng: random.Random, names: _Names, *, role: str) -> dict[str, Any]:
    from zhidu.demo.names import GIVEN, SURNAMES

    surname = rng.choices(SURNAMES, weights=[w for *_x, w in SURNAMES])[0][0]
    given = "".join(c for c, _p in rng.sample(GIVEN, k=rng.choice((1, 2, 2))))
    data = {
        "name": surname + given,
        "title": rng.choice(CONTACT_TITLES.get(role, ("经理",))),
        "department": rng.choice(DEPARTMENTS),
        "decision_role": role,
        "phone": names.phone(),
    }
    if rng.random() < 0.4:
        data["phone2"] = names.phone(landline=True)
    if rng.random() < 0.5:
        data["wechat"] = f"wx_{rng.randrange(10**6, 10**7)}"
    return data


def _follow_ups(book, rng, rep, customer, types, kinds, today, now, follow_up, protection, act_svc) -> None:
    """Zero to five follow-ups over the last 60 days (never before receipt), in order; a few
    do not count (too short, nobody answered, a visit without a check-in, logged late)."""
    from .choices import ActivityOutcome

    received_on = timezone.localdate(customer.received_at)
    first = max(received_on, today - dt.timedelta(days=60))
    span = (today - first).days
    count = rng.choices((0, 1, 2, 3, 4, 5), weights=(12, 22, 24, 20, 13, 9))[0] if span >= 0 else 0
    days = sorted(rng.randint(0, max(span, 0)) for _ in range(count))
    for n, offset in enumerate(days):
        day = first + dt.timedelta(days=offset)
        occurred = _at(day, rng)
        if occurred >= now:
            occurred = now - dt.timedelta(minutes=rng.randint(1, 60))
        kind = rng.choice(kinds)
        roll = rng.random()
        content = rng.choice(CONTENT)
        outcome = rng.choices(
            (ActivityOutcome.PROGRESSED, ActivityOutcome.MAINTAINED, ActivityOutcome.OTHER, ActivityOutcome.REFUSED),
            weights=(45, 40, 10, 5),
        )[0]
        logged = occurred
        if roll < 0.08:
            content = rng.choice(SHORT_NOTES)
        elif roll < 0.16 and kind == "call":
            outcome = ActivityOutcome.NO_ANSWER
            content = "打了两次电话都没有人接听，下次换个时间再打"
        elif roll < 0.20:
            logged = min(now, occurred + dt.timedelta(days=rng.randint(5, 9)))  # logged late
        last = n == len(days) - 1
        next_date = None
        next_step = ""
        if last and rng.random() < 0.75:
            next_step = rng.choice(NEXT_STEPS)
            next_date = today + dt.timedelta(days=rng.randint(-3, 10))
            if next_date < timezone.localdate(occurred):
                next_date = timezone.localdate(occurred) + dt.timedelta(days=1)
        # Most visits are checked in on the spot (签到); their generator is derived from the
        # customer and the visit, so the main sequence (and the rest of the book) is unchanged.
        ci_rng = random.Random(f"check-in:{customer.credit_code}:{n}")
        entry = {
            "actor": rep,
            "customer": customer,
            "type": types[kind],
            "content": content,
            "outcome": outcome,
            "next_step": next_step,
            "next_date": next_date,
            "follow_up_policy": follow_up,
            "protection_policy": protection,
        }
        if types[kind].requires_check_in and ci_rng.random() < CHECK_IN_SHARE:
            activity = _savepoint(book, "check-in", _check_in, ci_rng, act_svc, now=occurred, **entry)
            if activity is not None:
                book.check_ins += 1
                book.flagged_check_ins += int(activity.check_in.flagged)
        else:
            activity = _savepoint(book, "follow-up", act_svc.activity_log, occurred_at=occurred, now=logged, **entry)
        if activity is not None:
            book.follow_ups += 1
            book.valid_follow_ups += int(activity.is_valid)


# Share of visits checked in, and of those the share taken too far from the customer (a
# rep who checked in from the car park across the road: flagged, the visit does not count).
CHECK_IN_SHARE = 0.8
CHECK_IN_TOO_FAR = 0.1
_PHOTO_COLOURS = ((176, 190, 197), (200, 184, 160), (150, 170, 150), (190, 160, 150), (160, 175, 200))


def _photo(rng: random.Random, when: dt.datetime):
    """A small placeholder "live photo" (80 × 60 JPEG, under 2 kB) drawn in memory with
    Pillow: a wall, a door and a sign, in colours from ``rng``."""
    import io

    from django.core.files.base import ContentFile
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (80, 60), rng.choice(_PHOTO_COLOURS))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 42, 79, 59), fill=(120, 120, 118))  # the pavement
    x = rng.randint(8, 50)
    draw.rectangle((x, 18, x + 20, 42), fill=(90, 70, 55))  # the door
    draw.rectangle((x - 6, 8, x + 26, 15), fill=rng.choice(((200, 40, 40), (30, 90, 170), (40, 130, 80))))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=60)
    return ContentFile(out.getvalue(), name=f"IMG_{when:%Y%m%d_%H%M%S}.jpg")


def _check_in(rng: random.Random, act_svc, *, customer, now: dt.datetime, **kwargs):
    """签到 through ``visit_check_in``: a phone position near the customer's pinned location
    (30–250 m, accuracy 8–60 m; now and then 1–3 km away), the phone's clock a few seconds
    off, and a generated photo."""
    import math

    lat0 = float(customer.latitude) if customer.latitude is not None else None
    lng0 = float(customer.longitude) if customer.longitude is not None else None
    far = rng.random() < CHECK_IN_TOO_FAR
    metres = rng.uniform(1000, 3000) if far else rng.uniform(30, 250)
    bearing = rng.uniform(0, 2 * math.pi)
    accuracy = rng.randint(8, 60)
    skew = dt.timedelta(seconds=rng.randint(-20, 20))
    photo = _photo(rng, now)
    if lat0 is None or lng0 is None:
        lat = lng = None
    else:
        lat = lat0 + metres * math.cos(bearing) / 111_320
        lng = lng0 + metres * math.sin(bearing) / (111_320 * math.cos(math.radians(lat0)))
    return act_svc.visit_check_in(
        customer=customer,
        latitude=None if lat is None else f"{lat:.6f}",
        longitude=None if lng is None else f"{lng:.6f}",
        accuracy_m=accuracy,
        client_time=now + skew,
        photo=photo,
        now=now,
        **kwargs,
    )


def _birthdays_and_plans(book, rng, org, held, today, act_svc) -> None:
    """A birthday coming up on each rep's day, and a development plan for one prospect."""
    from .choices import CustomerStatus
    from .models import Contact

    for rep in org.reps:
        book_of_rep = held.get(rep.pk) or []
        if not book_of_rep:
            continue
        c = book_of_rep[rng.randrange(len(book_of_rep))]
        soon = today + dt.timedelta(days=rng.randint(1, 6))
        born = dt.date(rng.randint(1968, 1992), soon.month, min(soon.day, 28))
        Contact.objects.filter(customer=c, is_primary=True).update(birthday=born)
        prospects = [x for x in book_of_rep if x.status == CustomerStatus.PROSPECT]
        if not prospects or rng.random() < 0.4:
            continue
        target = prospects[rng.randrange(len(prospects))]

        def plan(rep=rep, target=target):
            p = act_svc.development_plan_create(
                actor=rep,
                customer=target,
                title="年度框架协议开发计划",
                goal="签下年度框架协议，成为其主要供应商",
                target_date=today + dt.timedelta(days=rng.randint(45, 120)),
            )
            for i, title in enumerate(("摸清采购流程和决策人", "技术交流与样品测试", "商务报价与谈判")):
                act_svc.development_step_add(
                    actor=rep, plan=p, title=title, owner=rep, due_date=today + dt.timedelta(days=7 + 21 * i)
                )
            return p

        if _savepoint(book, "development plan", plan) is not None:
            book.plans += 1


def _pool(book, rng, org, held, now) -> None:
    """Each team releases a few customers to its pool (with a reason, weeks ago); a
    teammate has claimed one of them back since."""
    from .services import pool as pool_svc

    for team in org.teams:
        reps = org.team_reps.get(team.pk, [])
        released = []
        for rep in reps:
            candidates = list(held.get(rep.pk) or [])
            for _i in range(rng.choice((0, 1, 1, 2))):
                if len(candidates) < 4:
                    break
                c = candidates.pop(rng.randrange(len(candidates)))
                when = now - dt.timedelta(days=rng.randint(3, 40), hours=rng.randint(0, 8))
                if _savepoint(
                    book,
                    "release",
                    pool_svc.customer_release,
                    actor=rep,
                    customer=c,
                    reason=rng.choice(RELEASE_REASONS),
                    now=when,
                ):
                    held[rep.pk].remove(c)
                    released.append((rep, c))
                    book.released += 1
        if len(reps) > 1 and released and rng.random() < 0.7:
            former, c = released[rng.randrange(len(released))]
            taker = rng.choice([r for r in reps if r.pk != former.pk])
            if _savepoint(book, "claim", pool_svc.customer_claim, actor=taker, customer=c):
                held[taker.pk].append(c)
                book.claimed += 1


def _leads(book, rng, org, names, industries, weights, now) -> None:
    """Leads reps found themselves (half of them qualified and converted into customers),
    one per team the manager puts into the turn and one waiting for the manager. (The
    ``customers.leads`` step adds marketing's month of leads through the turn.)"""
    from zhidu.demo.names import PersonMaker

    from .choices import LeadSource
    from .services import leads as lead_svc

    makers = PersonMaker(rng, email_domain="example.cn")
    sources = [s for s in LEAD_SOURCE_DETAILS if s in LeadSource.values]
    per_team = {"small": 4, "medium": 6, "large": 8}.get(org.size.name, 4)
    for team in org.teams:
        manager = team.head
        reps = org.team_reps.get(team.pk, [])
        if manager is None or not reps:
            continue
        city = _team_city(team)
        province = (team.region_codes or [""])[0]
        for i in range(per_team):
            source = rng.choice(sources)
            person = makers.person()
            industry = rng.choices(industries, weights=weights)[0]
            data = {
                "company": names.company(city, industry),
                "contact_name": person.full_name,
                "title": rng.choice(("采购经理", "总经理", "技术负责人", "行政主管")),
                "phone": names.phone(),
                "province": province,
                "city": city,
                "industry": industry,
                "source": source,
                "source_detail": rng.choice(LEAD_SOURCE_DETAILS[source]),
            }
            when = now - dt.timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 6))
            if i < per_team // 2:
                actor, assign = rng.choice(reps), "self"  # found by a rep
            elif i < per_team - 1:
                actor, assign = manager, "auto"  # into the turn
            else:
                actor, assign = manager, "none"  # waits for the manager
            lead = _savepoint(
                book,
                "lead",
                lead_svc.lead_create,
                actor=actor,
                data=data,
                unit=team if actor.pk == manager.pk else None,
                assign=assign,
                now=when,
            )
            if lead is None:
                continue
            book.leads += 1
            if assign == "auto" and lead.owner_id is not None:
                book.allocated += 1
            if assign == "self" and rng.random() < 0.5:

                def convert(actor=actor, lead=lead, when=when):
                    later = min(now, when + dt.timedelta(days=1))
                    answers = {"budget": True, "authority": True, "need": True, "timing": True}
                    lead_svc.lead_qualify(actor=actor, lead=lead, answers=answers, now=later)
                    return lead_svc.lead_convert(actor=actor, lead=lead, now=later)

                if _savepoint(book, "lead conversion", convert):
                    book.converted += 1
                    book.customers += 1


def _conflict(book, rng, org, held) -> None:
    """One 撞单: a rep in the first region's second team tries to register a customer a rep
    of its first team holds, and files a conflict claim the regional manager decides."""
    from .services import conflicts as conflict_svc

    teams = [t for t in org.teams if org.team_reps.get(t.pk)]
    if len(teams) < 2:
        return
    a, b = teams[0], teams[1]
    owner = org.team_reps[a.pk][0]
    claimant = org.team_reps[b.pk][0]
    targets = held.get(owner.pk) or []
    if not targets:
        return
    target = targets[rng.randrange(len(targets))]
    first_contact = timezone.now() - dt.timedelta(days=rng.randint(20, 50))
    claim = _savepoint(
        book,
        "conflict claim",
        conflict_svc.conflict_claim_file,
        actor=claimant,
        attempt={"name": target.name},
        evidence=(
            f"我在展会上认识了{target.name}的采购经理，之后两次电话沟通并发送了报价，"
            "有展会名片和往来邮件为证，请领导裁定归属。"
        ),
        claimant_first_contact_at=first_contact,
    )
    if claim is not None:
        book.conflicts += 1


def register() -> None:
    from zhidu.demo.extensions import register_demo_step

    register_demo_step(STEP_ORDER, demo_customers, name=STEP_NAME)
