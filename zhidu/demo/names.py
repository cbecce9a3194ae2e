"""Chinese names, pinyin log-ins, phones and cities for the demo company.

Everything is drawn from a ``random.Random`` the caller seeds, and the tables carry their
own pinyin, so the same seed gives the same people on any machine and any library version
(no Faker, no pypinyin guesses on polyphonic characters).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# Common surnames with their pinyin and a rough weight (王, 李, 张, 刘, 陈 are the most common).
SURNAMES: tuple[tuple[str, str, int], ...] = (
    ("王", "wang", 10), ("李", "li", 10), ("张", "zhang", 10), ("刘", "liu", 8), ("陈", "chen", 8),
    ("杨", "yang", 6), ("黄", "huang", 5), ("赵", "zhao", 5), ("吴", "wu", 5), ("周", "zhou", 5),
    ("徐", "xu", 4), ("孙", "sun", 4), ("马", "ma", 4), ("朱", "zhu", 4), ("胡", "hu", 4),
    ("郭", "guo", 3), ("何", "he", 3), ("林", "lin", 3), ("高", "gao", 3), ("罗", "luo", 3),
    ("郑", "zheng", 3), ("梁", "liang", 3), ("谢", "xie", 2), ("宋", "song", 2), ("唐", "tang", 2),
    ("许", "xu", 2), ("韩", "han", 2), ("冯", "feng", 2), ("邓", "deng", 2), ("曹", "cao", 2),
    ("彭", "peng", 2), ("曾", "zeng", 2), ("肖", "xiao", 2), ("田", "tian", 2), ("董", "dong", 2),
    ("潘", "pan", 2), ("袁", "yuan", 2), ("蔡", "cai", 2), ("蒋", "jiang", 2), ("余", "yu", 2),
    ("于", "yu", 2), ("杜", "du", 2), ("叶", "ye", 2), ("程", "cheng", 2), ("魏", "wei", 2),
    ("苏", "su", 1), ("吕", "lv", 1), ("丁", "ding", 1), ("任", "ren", 1), ("卢", "lu", 1),
    ("姚", "yao", 1), ("沈", "shen", 1), ("钟", "zhong", 1), ("姜", "jiang", 1), ("崔", "cui", 1),
    ("谭", "tan", 1), ("陆", "lu", 1), ("范", "fan", 1), ("汪", "wang", 1), ("廖", "liao", 1),
    ("石", "shi", 1), ("金", "jin", 1), ("韦", "wei", 1), ("贾", "jia", 1), ("夏", "xia", 1),
    ("付", "fu", 1), ("方", "fang", 1), ("邹", "zou", 1), ("熊", "xiong", 1), ("白", "bai", 1),
    ("孟", "meng", 1), ("秦", "qin", 1), ("邱", "qiu", 1), ("侯", "hou", 1), ("江", "jiang", 1),
    ("尹", "yin", 1), ("薛", "xue", 1), ("段", "duan", 1), ("雷", "lei", 1), ("龙", "long", 1),
    ("史", "shi", 1), ("陶", "tao", 1), ("贺", "he", 1), ("顾", "gu", 1), ("毛", "mao", 1),
    ("郝", "hao", 1), ("龚", "gong", 1), ("邵", "shao", 1), ("万", "wan", 1), ("钱", "qian", 1),
    ("戴", "dai", 1), ("严", "yan", 1), ("孔", "kong", 1), ("向", "xiang", 1), ("常", "chang", 1),
)  # fmt: skip

# Characters of given names, each read one way only (no 长, 重, 乐 …).
GIVEN: tuple[tuple[str, str], ...] = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("秀", "xiu"), ("敏", "min"), ("静", "jing"),
    ("丽", "li"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"),
    ("艳", "yan"), ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"),
    ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("英", "ying"), ("华", "hua"), ("文", "wen"),
    ("辉", "hui"), ("玲", "ling"), ("建", "jian"), ("国", "guo"), ("红", "hong"), ("鹏", "peng"),
    ("宇", "yu"), ("浩", "hao"), ("凯", "kai"), ("婷", "ting"), ("晨", "chen"), ("欣", "xin"),
    ("怡", "yi"), ("佳", "jia"), ("博", "bo"), ("思", "si"), ("雨", "yu"), ("涵", "han"),
    ("梓", "zi"), ("轩", "xuan"), ("晓", "xiao"), ("慧", "hui"), ("颖", "ying"), ("琳", "lin"),
    ("雪", "xue"), ("倩", "qian"), ("梅", "mei"), ("斌", "bin"), ("波", "bo"), ("峰", "feng"),
    ("鑫", "xin"), ("亮", "liang"), ("婧", "jing"), ("蕾", "lei"), ("菲", "fei"), ("昊", "hao"),
    ("然", "ran"), ("天", "tian"), ("志", "zhi"), ("海", "hai"), ("东", "dong"), ("晶", "jing"),
    ("彤", "tong"), ("嘉", "jia"), ("瑶", "yao"), ("俊", "jun"), ("帆", "fan"), ("毅", "yi"),
    ("璐", "lu"), ("丹", "dan"), ("岩", "yan"), ("春", "chun"), ("蓉", "rong"), ("楠", "nan"),
    ("萍", "ping"), ("立", "li"), ("新", "xin"), ("成", "cheng"), ("松", "song"), ("琪", "qi"),
)  # fmt: skip

# Mobile prefixes of the three carriers (138****5678 style numbers).
MOBILE_PREFIXES = ("133", "135", "136", "137", "138", "139", "150", "151", "158", "159", "177", "186", "188", "189")

# Cities teams are named after, per sales region: (city, GB/T 2260 province code, ascii code).
CITIES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "华北": (("北京", "11", "beijing"), ("天津", "12", "tianjin"), ("石家庄", "13", "shijiazhuang"),
           ("太原", "14", "taiyuan"), ("呼和浩特", "15", "hohhot"), ("唐山", "13", "tangshan")),
    "东北": (("沈阳", "21", "shenyang"), ("大连", "21", "dalian"), ("长春", "22", "changchun"),
           ("哈尔滨", "23", "harbin")),
    "华东": (("上海", "31", "shanghai"), ("杭州", "33", "hangzhou"), ("南京", "32", "nanjing"),
           ("苏州", "32", "suzhou"), ("宁波", "33", "ningbo"), ("合肥", "34", "hefei"),
           ("福州", "35", "fuzhou"), ("济南", "37", "jinan"), ("青岛", "37", "qingdao")),
    "华中": (("武汉", "42", "wuhan"), ("郑州", "41", "zhengzhou"), ("长沙", "43", "changsha"),
           ("洛阳", "41", "luoyang"), ("宜昌", "42", "yichang")),
    "华南": (("广州", "44", "guangzhou"), ("深圳", "44", "shenzhen"), ("东莞", "44", "dongguan"),
           ("佛山", "44", "foshan"), ("南宁", "45", "nanning"), ("海口", "46", "haikou")),
    "西南": (("成都", "51", "chengdu"), ("重庆", "50", "chongqing"), ("贵阳", "52", "guiyang"),
           ("昆明", "53", "kunming"), ("绵阳", "51", "mianyang")),
    "西北": (("西安", "61", "xian"), ("兰州", "62", "lanzhou"), ("西宁", "63", "xining"),
           ("银川", "64", "yinchuan"), ("乌鲁木齐", "65", "urumqi")),
}  # fmt: skip

_ORDINALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Person:
    full_name: str
    username: str
    phone: str
    email: str


class PersonMaker:
    """Draws distinct people from one seeded ``random.Random``: no two share a full name,
    a log-in or a phone number."""

    def __init__(self, rng: random.Random, email_domain: str = "example.com"):
        self.rng = rng
        self.email_domain = email_domain
        self._names: set[str] = set()
        self._usernames: set[str] = set()
        self._phones: set[str] = set()
        self._surname_weights = [w for *_, w in SURNAMES]

    def _name(self) -> tuple[str, str]:
        for _attempt in range(1000):
            surname, surname_py, _w = self.rng.choices(SURNAMES, weights=self._surname_weights)[0]
            given = self.rng.sample(GIVEN, k=self.rng.choice((1, 2, 2, 2)))
            name = surname + "".join(c for c, _ in given)
            if name not in self._names:
                self._names.add(name)
                return name, surname_py + "".join(p for _, p in given)
        raise RuntimeError("ran out of distinct demo names")  # pragma: no cover

    def _username(self, base: str) -> str:
        candidate, n = base, 1
        while candidate in self._usernames or candidate in RESERVED_USERNAMES:
            n += 1
            candidate = f"{base}{n}"
        self._usernames.add(candidate)
        return candidate

    def _phone(self) -> str:
        while True:
            phone = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self._phones:
                self._phones.add(phone)
                return phone

    def person(self) -> Person:
        full_name, pinyin = self._name()
        username = self._username(pinyin)
        return Person(full_name, username, self._phone(), f"{username}@{self.email_domain}")


RESERVED_USERNAMES = frozenset({"admin"})


def team_names(rng: random.Random, sales_region: str, count: int) -> list[tuple[str, str, str]]:
    """``count`` team names for one sales region: ``(name, province code, code)``, named after
    cities drawn from the region; a city used twice gets 二组, 三组 …"""
    cities = list(CITIES[sales_region])
    rng.shuffle(cities)
    out = []
    for i in range(count):
        city, province, code = cities[i % len(cities)]
        round_ = i // len(cities)
        name = f"{city}组" if round_ == 0 else f"{city}{_ORDINALS[round_ % len(_ORDINALS)]}组"
        out.append((name, province, code if round_ == 0 else f"{code}-{round_ + 1}"))
    return out
