"""Choices of the customers app. Codes are stable (they are stored and used in the API);
labels are English source strings translated in the zh-hans catalogue (GLOSSARY terms)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CustomerKind(models.TextChoices):
    COMPANY = "company", _("Company")
    INDIVIDUAL = "individual", _("Individual")
    FOREIGN = "foreign", _("Foreign company")


class CustomerSize(models.TextChoices):
    """Enterprise size classes as the statistics bureau names them (大中小微)."""

    MICRO = "micro", _("Micro (under 20 staff)")
    SMALL = "small", _("Small (20–299 staff)")
    MEDIUM = "medium", _("Medium (300–999 staff)")
    LARGE = "large", _("Large (1,000 staff or more)")


class CustomerTier(models.TextChoices):
    """客户分类 A/B/C/D."""

    A = "A", _("Tier A")
    B = "B", _("Tier B")
    C = "C", _("Tier C")
    D = "D", _("Tier D")


class CustomerStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    # A context of its own: bare "Active" is 启用 (switched on) in the platform catalogues.
    ACTIVE = "active", pgettext_lazy("customer status", "Active")
    DORMANT = "dormant", _("Dormant")
    LOST = "lost", _("Lost")


class LeadSource(models.TextChoices):
    """线索来源 / 渠道; also where a customer came from."""

    TRADE_SHOW = "trade_show", _("Trade show")
    WEB_SEARCH = "web_search", _("Web search")
    REFERRAL = "referral", _("Referral")
    INDUSTRY_REPORT = "industry_report", _("Industry report")
    WEBSITE_INQUIRY = "website_inquiry", _("Website inquiry")
    CAMPAIGN = "campaign", _("Campaign")
    IMPORT = "import", _("Import")
    API = "api", _("API")
    OTHER = "other", _("Other")


class CollaboratorAccess(models.TextChoices):
    READ = "read", _("Read")
    READ_WRITE = "read_write", _("Read and write")


class DecisionRole(models.TextChoices):
    """The contact's place in the customer's decision chain."""

    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", _("User")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    WORKING = "working", _("Working")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Disqualified")
    CONVERTED = "converted", _("Converted")


class DisqualifyReason(models.TextChoices):
    EMPTY_NUMBER = "empty_number", _("Number does not exist")  # 空号
    COMPETITOR = "competitor", _("Competitor")  # 同行
    DUPLICATE = "duplicate", _("Duplicate")  # 重复
    NO_NEED = "no_need", _("No need")
    OTHER = "other", _("Other")


class AllocationMethod(models.TextChoices):
    AUTO = "auto", _("Automatic")
    MANUAL = "manual", _("Manual")
    REASSIGN = "reassign", _("Reassigned after the first-response deadline")


class PoolEventKind(models.TextChoices):
    CLAIM = "claim", _("Claim")  # 领取
    RELEASE = "release", _("Release")  # 退回
    RECYCLE = "recycle", _("Recycle")  # 回收
    ASSIGN = "assign", _("Assign")  # 分配


class ActivityOutcome(models.TextChoices):
    PROGRESSED = "progressed", _("Progressed")
    MAINTAINED = "maintained", _("Relationship maintained")
    NO_ANSWER = "no_answer", _("No answer")
    REFUSED = "refused", _("Refused")
    OTHER = "other", _("Other")


class PlanStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("plan status", "Active")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class ConflictStatus(models.TextChoices):
    FILED = "filed", _("Filed")
    UNDER_REVIEW = "under_review", _("Under review")
    DECIDED = "decided", _("Decided")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class TransferKind(models.TextChoices):
    HANDOVER = "handover", _("Handover")  # 离职交接
    TRANSFER = "transfer", _("Transfer")  # 客户转移
    BULK = "bulk", _("Bulk action")


class JobStatus(models.TextChoices):
    """State of a batch (transfer or import)."""

    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    CONTACTS = "contacts", _("Contacts")
    LEADS = "leads", _("Leads")


class ImportEncoding(models.TextChoices):
    AUTO = "auto", _("Detect")
    UTF8 = "utf-8", _("UTF-8")
    UTF8_SIG = "utf-8-sig", _("UTF-8 with BOM")
    GB18030 = "gb18030", _("GB18030 / GBK (Chinese Excel)")


class SalesRegion(models.TextChoices):
    NORTH = "north", _("North China")
    NORTHEAST = "northeast", _("Northeast China")
    EAST = "east", _("East China")
    CENTRAL = "central", _("Central China")
    SOUTH = "south", _("South China")
    SOUTHWEST = "southwest", _("Southwest China")
    NORTHWEST = "northwest", _("Northwest China")
    HMT = "hmt", _("Hong Kong, Macao, Taiwan")


class Industry(models.TextChoices):
    """GB/T 4754-2017 sections (门类 A–T)."""

    A = "A", _("Agriculture, forestry, animal husbandry and fishery")
    B = "B", _("Mining")
    C = "C", _("Manufacturing")
    D = "D", _("Electricity, heat, gas and water production and supply")
    E = "E", _("Construction")
    F = "F", _("Wholesale and retail trade")
    G = "G", _("Transport, storage and postal services")
    H = "H", _("Accommodation and catering")
    I = "I", _("Information transmission, software and information technology services")  # noqa: E741
    J = "J", _("Finance")
    K = "K", _("Real estate")
    L = "L", _("Leasing and business services")
    M = "M", _("Scientific research and technical services")
    N = "N", _("Water conservancy, environment and public facilities management")
    O = "O", _("Resident services, repair and other services")  # noqa: E741
    P = "P", _("Education")
    Q = "Q", _("Health and social work")
    R = "R", _("Culture, sports and entertainment")
    S = "S", _("Public administration, social security and social organisations")
    T = "T", _("International organisations")


class Province(models.TextChoices):
    """GB/T 2260 provincial-level divisions (two-digit codes)."""

    BEIJING = "11", _("Beijing")
    TIANJIN = "12", _("Tianjin")
    HEBEI = "13", _("Hebei")
    SHANXI = "14", _("Shanxi")
    INNER_MONGOLIA = "15", _("Inner Mongolia")
    LIAONING = "21", _("Liaoning")
    JILIN = "22", _("Jilin")
    HEILONGJIANG = "23", _("Heilongjiang")
    SHANGHAI = "31", _("Shanghai")
    JIANGSU = "32", _("Jiangsu")
    ZHEJIANG = "33", _("Zhejiang")
    ANHUI = "34", _("Anhui")
    FUJIAN = "35", _("Fujian")
    JIANGXI = "36", _("Jiangxi")
    SHANDONG = "37", _("Shandong")
    HENAN = "41", _("Henan")
    HUBEI = "42", _("Hubei")
    HUNAN = "43", _("Hunan")
    GUANGDONG = "44", _("Guangdong")
    GUANGXI = "45", _("Guangxi")
    HAINAN = "46", _("Hainan")
    CHONGQING = "50", _("Chongqing")
    SICHUAN = "51", _("Sichuan")
    GUIZHOU = "52", _("Guizhou")
    YUNNAN = "53", _("Yunnan")
    TIBET = "54", _("Tibet")
    SHAANXI = "61", _("Shaanxi")
    GANSU = "62", _("Gansu")
    QINGHAI = "63", _("Qinghai")
    NINGXIA = "64", _("Ningxia")
    XINJIANG = "65", _("Xinjiang")
    TAIWAN = "71", _("Taiwan")
    HONG_KONG = "81", _("Hong Kong")
    MACAO = "82", _("Macao")


def sales_region_of(province: str) -> str:
    """The sales region (华北, 华东, …) a GB/T 2260 province code belongs to, or ""."""
    if not province:
        return ""
    first = province[:1]
    if province in {"71", "81", "82"}:
        return SalesRegion.HMT
    if province in {"11", "12", "13", "14", "15"}:
        return SalesRegion.NORTH
    return {
        "2": SalesRegion.NORTHEAST,
        "3": SalesRegion.EAST,
        "4": SalesRegion.CENTRAL if province in {"41", "42", "43"} else SalesRegion.SOUTH,
        "5": SalesRegion.SOUTHWEST,
        "6": SalesRegion.NORTHWEST,
    }.get(first, "")


class CustomerRequestKind(models.TextChoices):
    LOCK = "lock", _("Lock")  # 锁定: not recycled while locked
    EXTENSION = "extension", _("Protection extension")  # 保护期延期


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ExportStatus(models.TextChoices):
    """An export: written at once, or waiting for the approval an export over the cap needs."""

    DONE = "done", _("Done")
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved, being prepared")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    FAILED = "failed", _("Failed")


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV (Excel, UTF-8 with BOM)")
    XLSX = "xlsx", _("Excel workbook (XLSX)")
