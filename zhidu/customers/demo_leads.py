"""Demo leads: marketing takes in leads for every sales team over the current month and
the turn allocates them, so the lead list, "why did I get this?" and the fairness report
have something to show. Everything goes through the real services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

SOURCES = ("trade_show", "web_search", "referral", "industry_report", "website_inquiry", "campaign")
WORDS = ("精密", "智能", "新材料", "机电", "环保", "医疗器械", "物流", "包装", "电子", "重工", "食品", "自动化")
CITIES = ("上海", "杭州", "苏州", "南京", "宁波", "成都", "重庆", "广州", "深圳", "武汉", "西安", "天津")
PRODUCT_LINES = ("工业机器人", "数控机床", "传感器")


def demo_leads(rng, size, org) -> str:
    from zhidu.org.choices import Role

    from .choices import DisqualifyReason
    from .services.leads import lead_create, lead_disqualify, lead_qualify, lead_status_set

    marketing = org.first(Role.MARKETING) or org.admin
    if marketing is None:
        return ""
    now = timezone.now()
    today = timezone.localdate(now)
    first = today.replace(day=1)
    days = max(1, (today - first).days + 1)
    made = 0
    for team in org.teams:
        for i in range(6 * size.scale):
            day = first + dt.timedelta(days=rng.randrange(days))
            when = timezone.make_aware(dt.datetime.combine(day, dt.time(9 + rng.randrange(8), rng.randrange(60))))
            when = min(when, now)
            company = f"{rng.choice(CITIES)}{rng.choice(WORDS)}{team.pk}{i:02d}有限公司"
            lead = lead_create(
                actor=marketing,
                data={
                    "company": company,
                    "contact_name": rng.choice("王李张刘陈杨赵黄周吴") + rng.choice(("经理", "总", "工")),
                    "phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                    "source": rng.choice(SOURCES),
                    "product_line": rng.choice(PRODUCT_LINES),
                },
                unit=team,
                assign="auto",
                on_duplicate="allow",
                now=when,
            )
            made += 1
            owner = lead.owner
            if owner is None:
                continue
            roll = rng.random()
            later = min(now, when + dt.timedelta(hours=1 + rng.randrange(6)))
            if roll < 0.25:
                continue  # still new
            lead_status_set(actor=owner, lead=lead, status="working", now=later)
            if roll < 0.55:
                continue
            if roll < 0.7:
                reason = rng.choice(
                    [DisqualifyReason.EMPTY_NUMBER, DisqualifyReason.COMPETITOR, DisqualifyReason.NO_NEED]
                )
                lead_disqualify(actor=owner, lead=lead, reason=reason, now=later)
                continue
            answers = {"budget": True, "authority": True, "need": True, "timing": True}
            lead_qualify(actor=owner, lead=lead, answers=answers, now=later)
    return f"{made} leads"


def register() -> None:
    try:
        from zhidu.demo.extensions import register_demo_step
    except ImportError:
        return
    register_demo_step(110, demo_leads, name="customers.leads")
