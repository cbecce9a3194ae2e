import pytest
from django.utils import translation

from zhidu.core import refdata


def test_provinces_and_sales_regions():
    assert len(refdata.regions()) == 34
    assert refdata.region("44").name_zh == "广东省"
    assert refdata.region("31").sales_region_zh == "华东"
    assert refdata.sales_regions() == ("华北", "东北", "华东", "华中", "华南", "西南", "西北", "港澳台")
    assert [r.code for r in refdata.provinces_in("华南")] == ["44", "45", "46"]
    assert sum(len(refdata.provinces_in(s)) for s in refdata.sales_regions()) == 34


def test_industries():
    assert [i.code for i in refdata.industries()] == [chr(c) for c in range(ord("A"), ord("T") + 1)]
    assert refdata.industry("C").name_zh == "制造业"
    assert refdata.industry("C").name_en == "Manufacturing"


def test_labels_follow_the_active_language():
    with translation.override("en"):
        assert refdata.region("11").label == "Beijing"
        assert refdata.industry("J").label == "Finance"
        assert ("44", "Guangdong") in refdata.region_choices()
    with translation.override("zh-hans"):
        assert refdata.region("11").label == "北京市"
        assert refdata.region("11").sales_region_label == "华北"
        assert ("J", "金融业") in refdata.industry_choices()


def test_rows_are_immutable_and_parsed_once():
    assert refdata.regions() is refdata.regions()
    row = refdata.region("11")
    with pytest.raises(AttributeError):
        row.code = "99"  # type: ignore[misc]
    assert refdata.region("11").code == "11"
