"""Word lists for the generated company and person names of the benchmarks.

The import benchmark (``bench_import``) and the search benchmark (``bench_customer_search``)
draw from related but deliberately different lists — their published figures were
measured on these exact names, so the lists are kept apart rather than merged: the
search data has 36 cities, 30 trades, its own two-character pool and a non-legal form
(商贸行, whose pinyin stays in the search text); the import data has 40 cities, 35
trades, another pool and more 有限公司.
"""

from __future__ import annotations

CITIES = [
    "北京",
    "上海",
    "广州",
    "深圳",
    "杭州",
    "南京",
    "苏州",
    "成都",
    "重庆",
    "武汉",
    "西安",
    "天津",
    "长沙",
    "郑州",
    "青岛",
    "厦门",
    "宁波",
    "合肥",
    "福州",
    "济南",
    "沈阳",
    "大连",
    "昆明",
    "南宁",
    "贵阳",
    "无锡",
    "佛山",
    "东莞",
    "常州",
    "温州",
    "长春",
    "哈尔滨",
    "石家庄",
    "太原",
    "南昌",
    "兰州",
    "珠海",
    "中山",
    "嘉兴",
    "绍兴",
]

# The search benchmark's cities: the first 36 of ``CITIES``.
SEARCH_CITIES = CITIES[:36]

PROVINCE_OF = {
    "北京": "北京",
    "上海": "上海",
    "天津": "天津",
    "重庆": "重庆",
    "广州": "广东",
    "深圳": "广东",
    "佛山": "广东",
    "东莞": "广东",
    "珠海": "广东",
    "中山": "广东",
    "杭州": "浙江",
    "宁波": "浙江",
    "温州": "浙江",
    "嘉兴": "浙江",
    "绍兴": "浙江",
    "南京": "江苏",
    "苏州": "江苏",
    "无锡": "江苏",
    "常州": "江苏",
}

TRADES = [
    "科技",
    "贸易",
    "机械",
    "电子",
    "化工",
    "物流",
    "食品",
    "建材",
    "医药",
    "服装",
    "家具",
    "汽车配件",
    "新能源",
    "环保",
    "信息技术",
    "文化传媒",
    "工程",
    "实业",
    "供应链",
    "包装",
    "精密",
    "五金",
    "塑胶",
    "光电",
    "软件",
    "网络",
    "投资",
    "餐饮管理",
    "教育咨询",
    "农业",
    "生物",
    "材料",
    "设备",
    "仪器",
    "纺织",
]

# The search benchmark's trades: the first 30 of ``TRADES``.
SEARCH_TRADES = TRADES[:30]

# Two-character cores are drawn from these characters.
IMPORT_CORE = (
    "华鑫盛恒泰瑞丰金源博远天成嘉和永利安信聚隆海川锦程宇通明德正大九州伟业志诚晨光蓝绿洲凯旋汇乐百福星辰龙腾夏立讯迈"
    "克思创英同舟航青松翠竹兴旺广厦富民康达顺昌优品睿智晶科云图飞鸿卓越联诺威领先卫宏图东方南北中亚美欧洲际环宇"
)
SEARCH_CORE = (
    "华为中兴东方新宏达鑫盛恒泰瑞丰金源博远天成嘉和永利安信聚隆海川锦程宇通明德正大九州伟业志诚晨光蓝海绿洲凯旋汇通乐"
    "百福星辰龙腾华夏立讯迈克思创英泰同舟远航青松翠竹兴旺广厦富民康达顺昌优品睿智晶科云图飞鸿卓越联创"
)

IMPORT_FORMS = ["有限公司"] * 6 + ["股份有限公司", "有限责任公司", "集团有限公司", "科技有限公司"]
SEARCH_FORMS = ["有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司", "集团有限公司", "商贸行"]

# Contact names: a surname and one or two given-name characters.
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鑫波斌宇浩凯健俊帆"
