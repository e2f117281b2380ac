"""Demo power catalogues (职权目录) and power-operation flowcharts (权力运行流程图).

青山县煤矿安全监督管理局 (JZ-QS-MAJ): a published 2026 catalogue based on the 2025
one, with the whole path on record (科室提交 → 法制科室汇总 → 党组集体研究 → 备案
→ 公布) and a few differences from 2025 (a new power, two withdrawn ones, a
shortened promised limit, a law replaced, a power moved between departments).
青山县市场监督管理局 (JZ-QS-SJJ): its first catalogue, 2026, decided by the party
group and not yet filed.

Flowcharts are written in the flow-model format (docs/flow-model.md) and loaded
with `lianfang.flows.serialize.import_flowcharts`. Post names are those of the
demo organisation (lianfang.demo.orgs); step limits are working days and stay
within each power's statutory and promised limits; clock-stop steps (补正、听证、
专家评审、公示、整改期) carry no limit. A few carry electronic-supervision settings
that the demo case events (lianfang.demo.events) exercise: a shortest plausible
time (min_hours) on 现场核查 of LC-XK-001 and 材料审查 of SC-XK-002, and the
split-purchase parameters (a 50,000-yuan threshold: 大额资金使用 starts there) on
the small-purchase flowcharts LC-NB-006 and SC-NB-004. Idempotent: everything is
keyed by codes."""

import datetime as dt

from django.utils import timezone

from lianfang.orgs.models import Department, Person, Post, Unit
from lianfang.powers.models import (
    Catalogue,
    CatalogueEvent,
    CatalogueStatus,
    LegalBasis,
    Power,
    PowerCategory,
)
from lianfang.powers.models import PublicForm as PF

MAJ, SJJ = "JZ-QS-MAJ", "JZ-QS-SJJ"

CHANNELS = {
    MAJ: "监督电话：0000-1234567（局纪检组）；来信来访：青山县人民路88号县煤监局三楼纪检组办公室；"
         "网站：青山县人民政府门户网站“政务公开—县煤监局”栏目",
    SJJ: "监督电话：0000-1234568（局纪检组）；投诉举报：12315；来信来访：青山县建设路16号县市场监管局"
         "二楼纪检组办公室；网站：青山县人民政府门户网站“政务公开—县市场监管局”栏目",
}

PENALTY_NOTE = "法定期限为自立案之日起九十日内作出行政处罚决定（《行政处罚法》第六十条），折算为工作日。"


def P(code, name, category, department, posts, *, content, bases, conditions="", statutory=None, promised=None,
      public=PF.BOTH, external=None, note=""):
    return {
        "code": code, "name": name, "category": category, "department": department, "posts": posts,
        "content": content, "bases": bases, "conditions": conditions, "statutory": statutory,
        "promised": promised, "public": public, "external": external, "note": note,
    }


LAW_PARTY_GROUP = ("中国共产党党组工作条例", "第十七条",
                   "党组讨论和决定本单位下列重大问题：……重要人事任免、重大项目安排和大额度资金使用等。")
LAW_INTERNAL_CONTROL = "行政事业单位内部控制规范（试行）"
LAW_SPLIT_PURCHASE = ("政府采购法实施条例", "第二十八条",
                      "在一个财政年度内，采购人将一个预算项目下的同一品目或者类别的货物、服务采用公开招标以外的方式多次"
                      "采购，累计资金数额超过公开招标数额标准的，属于以化整为零方式规避公开招标……")
SMALL_PURCHASE_CONTENT = ("单笔5万元以下的办公用品、耗材、劳保用品和小额装备采购的申请、审核、询价采购、验收入库和报账；"
                          "单笔5万元（含）以上的按大额资金使用程序报局党组会议集体研究。")
SMALL_PURCHASE_NOTE = "不得将同一批次采购拆分为多笔5万元以下的采购，规避集体研究和政府采购程序。"
# The electronic supervision parameters of the small-purchase flowcharts: purchases of
# 40,000–49,999 yuan (just under the 50,000 threshold of 大额资金使用) from one supplier
# within 30 days are reported as 疑似拆分采购 (docs/supervision.md, split_purchase).
SMALL_PURCHASE_PARAMS = {"split_threshold": 50000, "split_margin": 0.2, "split_window_days": 30}

# ----------------------------------------------------------------------------- 县煤监局

MAJ_2026 = [
    # 行政审批科
    P("XK-001", "煤矿安全生产许可证核发初审", "XZXK", "SPK", ["SPK-SL", "SPK-SC", "SPK-KZ"],
      content="对本县行政区域内煤矿企业申请领取、延期、变更安全生产许可证的材料进行初审，组织现场核查，"
              "提出初审意见后报市级煤矿安全监管部门审核发证。",
      conditions="建立健全安全生产责任制和安全生产规章制度、操作规程；安全投入符合要求；设置安全生产管理机构并"
                 "配备专职安全生产管理人员；主要负责人和安全生产管理人员经考核合格；特种作业人员持证上岗；依法"
                 "参加工伤保险；有重大危险源检测、评估、监控措施和生产安全事故应急救援预案。",
      bases=[("安全生产许可证条例", "第二条",
              "国家对矿山企业……实行安全生产许可制度。企业未取得安全生产许可证的，不得从事生产活动。"),
             ("煤矿企业安全生产许可证实施办法", "第六条", "")],
      statutory=30, promised=20, note="法定期限为受理之日起45日内审查完毕，折算为工作日。"),
    P("XK-002", "煤矿建设项目安全设施设计审查", "XZXK", "SPK", ["SPK-SC", "SPK-KZ"],
      content="对本县煤矿新建、改建、扩建项目的安全设施设计进行审查，作出批准或者不予批准的决定。",
      conditions="安全设施设计由具备相应资质的设计单位编制；设计符合《煤矿安全规程》及国家标准、行业标准；提交项目"
                 "审批、核准或者备案文件和安全预评价报告。",
      bases=[("安全生产法", "第三十三条",
              "……矿山……建设项目的安全设施设计应当按照国家有关规定报经有关部门审查，审查部门及其负责审查的人员对"
              "审查结果负责。"),
             ("煤矿建设项目安全设施监察规定", "第十条", "")],
      statutory=20, promised=15, note="专家评审时间不计入办理时限。"),
    P("XK-003", "特种作业人员操作资格考核", "XZXK", "SPK", ["SPK-PX", "SPK-KZ"],
      content="组织煤矿井下电气、爆破、安全检查、提升机操作等特种作业人员安全技术考试，对考核合格者核发特种作业"
              "操作证。",
      conditions="年满18周岁且不超过国家法定退休年龄；经县级以上医疗机构体检合格；具有初中及以上文化程度；经专门的"
                 "安全技术培训。",
      bases=[("安全生产法", "第三十条",
              "生产经营单位的特种作业人员必须按照国家有关规定经专门的安全作业培训，取得相应资格，方可上岗作业。"),
             ("特种作业人员安全技术培训考核管理规定", "第四条", "")],
      statutory=20, promised=15),
    P("QR-001", "煤矿企业主要负责人和安全生产管理人员安全培训考核", "XZQR", "SPK", ["SPK-PX", "SPK-KZ"],
      content="对煤矿企业主要负责人和安全生产管理人员的安全生产知识和管理能力进行考核，考核不收费。",
      conditions="在本县煤矿企业任职的主要负责人、安全生产管理人员，参加规定学时的安全培训。",
      bases=[("安全生产法", "第二十七条",
              "……矿山……单位的主要负责人和安全生产管理人员，应当由主管的负有安全生产监督管理职责的部门对其安全生产"
              "知识和管理能力考核合格。考核不得收费。"),
             ("安全生产培训管理办法", "第十九条", "")],
      statutory=20, promised=15),
    P("QR-002", "煤矿安全生产标准化管理体系三级等级确认", "XZQR", "SPK", ["SPK-SC", "SPK-KZ"],
      content="按照考核定级办法，对申请三级等级的煤矿组织材料审查和现场检查考核，公示后确认等级。",
      conditions="煤矿已完成自评并达到三级等级标准；近一年内未发生生产安全死亡事故。",
      bases=[("安全生产法", "第四条", "……加强安全生产标准化、信息化建设……"),
             ("煤矿安全生产标准化管理体系考核定级办法（试行）", "第五条", "")],
      statutory=20, promised=15, note="2026年新增：按新的考核定级办法替代原“煤矿安全质量标准化达标考核”。公示期不计入时限。"),
    # 法规事故处理科
    P("CF-001", "对煤矿未依法取得安全生产许可证擅自进行生产的行政处罚", "XZCF", "FGK", ["FGK-CF", "FGK-KZ"],
      content="对未取得安全生产许可证擅自进行生产的煤矿，责令停止生产，没收违法所得，并处罚款；涉嫌犯罪的依法移送。",
      bases=[("安全生产许可证条例", "第十九条",
              "违反本条例规定，未取得安全生产许可证擅自进行生产的，责令停止生产，没收违法所得，并处10万元以上50万元"
              "以下的罚款……"),
             ("行政处罚法", "第五十七条", "")],
      statutory=60, public=PF.WEBSITE, note=PENALTY_NOTE),
    P("CF-002", "对煤矿未按规定对从业人员进行安全生产教育和培训的行政处罚", "XZCF", "FGK", ["FGK-CF", "FGK-KZ"],
      content="对未按照规定对从业人员进行安全生产教育和培训，或者未如实告知有关安全生产事项的煤矿，责令限期改正，"
              "并处罚款；逾期未改正的，责令停产停业整顿。",
      bases=[("安全生产法", "第九十七条",
              "……（三）未按照规定对从业人员……进行安全生产教育和培训……责令限期改正，处十万元以下的罚款；逾期未改正"
              "的，责令停产停业整顿，并处十万元以上二十万元以下的罚款……")],
      statutory=60, public=PF.WEBSITE, note=PENALTY_NOTE),
    P("CF-003", "对煤矿特种作业人员未取得相应资格上岗作业的行政处罚", "XZCF", "FGK", ["FGK-CF", "FGK-KZ"],
      content="对安排未经专门安全作业培训并取得相应资格的特种作业人员上岗作业的煤矿，责令限期改正，并处罚款。",
      bases=[("安全生产法", "第九十七条",
              "……（七）特种作业人员未按照规定经专门的安全作业培训并取得相应资格，上岗作业的……"),
             ("特种作业人员安全技术培训考核管理规定", "第三十九条", "")],
      statutory=60, public=PF.WEBSITE, note=PENALTY_NOTE),
    P("CF-004", "对煤矿未采取措施消除事故隐患的行政处罚", "XZCF", "FGK", ["FGK-CF", "FGK-KZ"],
      content="对未采取措施消除事故隐患的煤矿，责令立即消除或者限期消除，并处罚款；拒不执行的，责令停产停业整顿。",
      bases=[("安全生产法", "第一百零二条",
              "生产经营单位未采取措施消除事故隐患的，责令立即消除或者限期消除，处五万元以下的罚款；生产经营单位拒不"
              "执行的，责令停产停业整顿……"),
             ("安全生产事故隐患排查治理暂行规定", "第二十六条", "")],
      statutory=60, public=PF.WEBSITE, note=PENALTY_NOTE),
    P("CF-005", "对煤矿存在重大事故隐患仍然进行生产的行政处罚", "XZCF", "FGK", ["FGK-CF", "FGK-KZ"],
      content="对存在超能力、超强度、超定员组织生产等重大事故隐患仍然进行生产的煤矿，责令停产整顿，并处罚款。",
      bases=[("国务院关于预防煤矿生产安全事故的特别规定", "第十条",
              "煤矿有……重大安全生产隐患和行为的，应当立即停止生产，排除隐患……仍然进行生产的，……责令停产整顿……"
              "并处50万元以上200万元以下的罚款……"),
             ("煤矿安全生产条例", "第六十四条", "")],
      statutory=60, public=PF.WEBSITE,
      note=PENALTY_NOTE + "2026年依据2024年5月1日起施行的《煤矿安全生产条例》更新法律依据。"),
    P("CF-006", "对生产安全事故发生单位的行政处罚", "XZCF", "FGK", ["FGK-SG", "FGK-CF", "FGK-KZ"],
      content="依据经批复的事故调查报告，对负有责任的事故发生单位处以罚款。",
      bases=[("安全生产法", "第一百一十四条",
              "发生生产安全事故，对负有责任的生产经营单位……处以罚款：（一）发生一般事故的，处三十万元以上一百万元"
              "以下的罚款……"),
             ("生产安全事故报告和调查处理条例", "第三十七条", "")],
      statutory=60, public=PF.WEBSITE, note=PENALTY_NOTE),
    P("CF-007", "对煤矿使用应当淘汰的危及生产安全的工艺、设备的行政处罚", "XZCF", "FGK", ["FGK-CF", "FGK-KZ"],
      content="对使用应当淘汰的危及生产安全的工艺、设备的煤矿，责令限期改正，并处罚款；逾期未改正的，责令停产停业整顿。",
      bases=[("安全生产法", "第九十九条",
              "……（七）使用应当淘汰的危及生产安全的工艺、设备的……责令限期改正，处五万元以下的罚款；逾期未改正的，"
              "处五万元以上二十万元以下的罚款……")],
      statutory=60, public=PF.WEBSITE, note=PENALTY_NOTE),
    P("QT-001", "生产安全事故调查处理", "QTXZ", "FGK", ["FGK-SG", "FGK-KZ"],
      content="受县人民政府委托，组织一般生产安全事故调查，查明事故经过、原因和责任，提出处理建议和防范整改措施。",
      bases=[("安全生产法", "第八十六条",
              "事故调查处理应当按照科学严谨、依法依规、实事求是、注重实效的原则，及时、准确地查清事故原因……"),
             ("生产安全事故报告和调查处理条例", "第十九条",
              "……一般事故由事故发生地县级人民政府负责调查。……县级人民政府可以……授权或者委托有关部门组织事故调查组"
              "进行调查。")],
      statutory=40, public=PF.WEBSITE,
      note="事故调查组应当自事故发生之日起60日内提交事故调查报告（《生产安全事故报告和调查处理条例》第二十九条），"
           "技术鉴定时间不计入。"),
    # 安全监察科
    P("JC-001", "煤矿安全监督检查", "XZJC", "AJK", ["AJK-JC1", "AJK-JC2", "AJK-KZ"],
      content="按照年度监督检查计划，对煤矿执行安全生产法律法规和国家标准、行业标准的情况进行监督检查，依法责令"
              "整改或者移送立案。",
      bases=[("安全生产法", "第六十五条",
              "……负有安全生产监督管理职责的部门依法开展安全生产行政执法工作，对生产经营单位执行有关安全生产的法律、"
              "法规和国家标准或者行业标准的情况进行监督检查……"),
             ("煤矿安全生产条例", "第四十七条", "")],
      public=PF.WEBSITE, note="检查计划和检查结果在局网站公开；执法全过程记录。"),
    P("JC-002", "煤矿事故隐患排查治理督办", "XZJC", "AJK", ["AJK-YH", "AJK-KZ"],
      content="对煤矿重大事故隐患实行挂牌督办，督促落实治理措施，核查治理结果后销号。",
      bases=[("安全生产法", "第四十一条",
              "……负有安全生产监督管理职责的部门应当将重大事故隐患纳入相关信息系统，建立健全重大事故隐患治理督办"
              "制度，督促生产经营单位消除重大事故隐患。"),
             ("安全生产事故隐患排查治理暂行规定", "第二十条", "")],
      public=PF.WEBSITE),
    P("JC-003", "煤矿建设项目安全设施竣工验收监督核查", "XZJC", "AJK", ["AJK-JC2", "AJK-KZ"],
      content="对煤矿建设项目安全设施竣工验收活动和验收结果进行监督核查。",
      bases=[("建设项目安全设施“三同时”监督管理办法", "第二十三条", ""),
             ("煤矿建设项目安全设施监察规定", "第二十四条", "")],
      public=PF.WEBSITE),
    P("JC-004", "煤矿生产安全事故应急预案备案", "QTXZ", "AJK", ["AJK-YH", "AJK-KZ"],
      content="对煤矿报送的生产安全事故应急预案进行形式核对，符合要求的予以备案登记。",
      conditions="提交应急预案备案申报表、评审意见、按规定排列的应急预案电子文档和风险评估结果、应急资源调查清单。",
      bases=[("生产安全事故应急条例", "第七条", ""), ("生产安全事故应急预案管理办法", "第二十六条", "")],
      statutory=5, promised=3, note="2026年新增：应急预案备案由县应急局移交本局办理。"),
    P("QZ-001", "查封、扣押不符合国家标准或者行业标准的煤矿设施、设备、器材", "XZQZ", "AJK",
      ["AJK-JC1", "AJK-JC2", "AJK-KZ"],
      content="对有根据认为不符合保障安全生产的国家标准或者行业标准的设施、设备、器材予以查封或者扣押，并依法作出"
              "处理决定。",
      bases=[("安全生产法", "第六十五条",
              "……（四）对有根据认为不符合保障安全生产的国家标准或者行业标准的设施、设备、器材……予以查封或者扣押……"),
             ("行政强制法", "第二十五条", "查封、扣押的期限不得超过三十日……检测、检验、检疫或者技术鉴定的期间不计入……")],
      statutory=30, public=PF.WEBSITE),
    P("QZ-002", "对拒不执行停产停业决定的煤矿通知停止供电、停止供应民用爆炸物品", "XZQZ", "AJK", ["AJK-JC1", "AJK-KZ"],
      content="对拒不执行停产停业、停止施工、停止使用相关设施或者设备决定且有发生生产安全事故现实危险的煤矿，经"
              "本局主要负责人批准，书面通知有关单位停止供电、停止供应民用爆炸物品。",
      bases=[("安全生产法", "第七十条",
              "……可以采取通知有关单位停止供电、停止供应民用爆炸物品等措施……除有危及生产安全的紧急情形外，应当提前"
              "二十四小时通知生产经营单位。")],
      statutory=30, public=PF.WEBSITE),
    P("CF-008", "责令存在重大事故隐患的煤矿停产整顿", "XZCF", "AJK", ["AJK-JC1", "AJK-JC2", "AJK-KZ"],
      content="对存在重大事故隐患的煤矿责令停产整顿，整顿结束后组织复产验收。",
      bases=[("国务院关于预防煤矿生产安全事故的特别规定", "第十条", ""), ("煤矿安全生产条例", "第六十四条", "")],
      statutory=20, public=PF.WEBSITE, note="整顿期间不计入时限。"),
    # 办公室
    P("JL-001", "安全生产举报奖励", "XZJL", "BGS", ["BGS-ZR", "BGS-WS"],
      content="对举报煤矿重大事故隐患和安全生产违法行为、经核查属实的举报人给予奖励，并为举报人保密。",
      conditions="举报事项此前未被本局掌握，经核查属实并作出处理。",
      bases=[("安全生产法", "第七十六条",
              "县级以上各级人民政府及其有关部门对报告重大事故隐患或者举报安全生产违法行为的有功人员，给予奖励。"),
             ("安全生产领域举报奖励办法", "第十一条", "")],
      statutory=30, promised=20, note="2026年起举报受理和奖励统一由办公室办理，核查仍由安全监察科负责。"),
    P("NB-001", "政府采购", "NBGL", "BGS", ["BGS-HQ", "BGS-ZR"],
      content="本局货物、工程和服务的政府采购需求编制、采购组织和履约验收。",
      bases=[("政府采购法", "第二条", ""),
             ("政府采购法实施条例", "第十一条", "采购人在政府采购活动中应当维护国家利益和社会公共利益，公正廉洁……")],
      public=PF.INTERNAL, external=False),
    P("NB-002", "公务接待", "NBGL", "BGS", ["BGS-ZR", "BGS-HQ"],
      content="凭公函安排公务接待，按标准控制接待范围和费用，逐次填写接待清单。",
      bases=[("党政机关国内公务接待管理规定", "第六条", "……无公函的公务活动和来访人员一律不予接待。"),
             ("党政机关厉行节约反对浪费条例", "第二十九条", "")],
      public=PF.INTERNAL, external=False),
    P("NB-003", "公务用车管理", "NBGL", "BGS", ["BGS-HQ", "BGS-ZR"],
      content="执法执勤用车的派车审批、使用登记、维修保养和加油管理。",
      bases=[("党政机关公务用车管理办法", "第二十条", ""), ("党政机关厉行节约反对浪费条例", "第二十五条", "")],
      public=PF.INTERNAL, external=False),
    P("NB-007", "办公用品和小额物资采购", "NBGL", "BGS", ["BGS-HQ", "BGS-ZR", "CWK-KJ"],
      content=SMALL_PURCHASE_CONTENT, bases=[LAW_SPLIT_PURCHASE], public=PF.INTERNAL, external=False,
      note=SMALL_PURCHASE_NOTE),
    # 财务科
    P("NB-004", "财务报销审批", "NBGL", "CWK", ["CWK-KJ", "CWK-KZ", "L-FJZ2"],
      content="审核差旅费、会议费、培训费等日常经费报销的真实性、合规性，按权限审批后支付。",
      bases=[("会计法", "第十四条", ""), (LAW_INTERNAL_CONTROL, "第二十九条", "")],
      public=PF.INTERNAL, external=False),
    P("NB-005", "国有资产管理和处置", "NBGL", "CWK", ["CWK-KZ", "CWK-KJ"],
      content="固定资产的登记、清查、出借和报废处置，按规定报批并公开处置结果。",
      bases=[("行政事业性国有资产管理条例", "第二十五条", ""), (LAW_INTERNAL_CONTROL, "第四十二条", "")],
      public=PF.INTERNAL, external=False),
    P("ZJ-001", "大额资金使用", "ZJSY", "CWK", ["L-JZ", "L-FJZ2", "CWK-KZ"],
      content="单笔5万元（含）以上的经费支出、专项资金拨付和预算调整，经局党组会议集体研究决定后执行。",
      bases=[LAW_PARTY_GROUP, ("预算法", "第五十七条", "")], public=PF.INTERNAL, external=False),
    P("ZJ-002", "煤矿安全生产专项资金分配", "ZJSY", "CWK", ["L-FJZ2", "CWK-KZ", "L-JZ"],
      content="上级下达的煤矿安全改造、隐患治理等专项资金的分配方案拟定和拨付。",
      bases=[("预算法", "第五十三条", ""), LAW_PARTY_GROUP], public=PF.BOTH, external=False,
      note="分配结果在局网站公示。"),
    # 人事科
    P("RS-001", "干部选拔任用", "RSRM", "RSK", ["L-JZ", "L-JJZ", "RSK-KZ", "RSK-RS"],
      content="本局中层干部的动议、民主推荐、考察、讨论决定、任前公示和任职。",
      bases=[("党政领导干部选拔任用工作条例", "第二条", ""),
             ("党政领导干部选拔任用工作条例", "第三十三条", "……讨论决定干部任免事项，必须有三分之二以上成员到会……")],
      public=PF.INTERNAL, external=False),
    P("NB-006", "干部职工年度考核和评先评优", "NBGL", "RSK", ["RSK-KZ", "RSK-RS"],
      content="组织年度考核、确定考核等次和评先评优人选，结果公示。",
      bases=[("公务员法", "第三十五条", "对公务员的考核……全面考核公务员的德、能、勤、绩、廉，重点考核政治素质和工作实绩。"),
             ("公务员考核规定", "第十三条", "")],
      public=PF.INTERNAL, external=False),
    # 领导班子
    P("ZD-001", "重大事项决策", "ZDJC", None, ["L-JZ", "L-FJZ1", "L-FJZ2", "L-JJZ", "L-ZGC"],
      content="贯彻落实上级重大决策部署、年度安全监管执法计划、重要规章制度制定和重大行政执法决定等重大事项，由局"
              "党组会议或局长办公会议集体研究决定。",
      bases=[LAW_PARTY_GROUP, ("重大行政决策程序暂行条例", "第三条", "")], public=PF.INTERNAL, external=False),
    P("XM-001", "重大项目安排", "XMAP", None, ["L-JZ", "L-FJZ1", "L-ZGC"],
      content="煤矿安全监管信息化平台建设、执法装备购置等重大项目的立项、资金安排和组织实施。",
      bases=[("政府投资条例", "第九条", ""), LAW_PARTY_GROUP], public=PF.INTERNAL, external=False),
]

# The 2025 catalogue: the 2026 one without its two new powers, with two powers
# withdrawn since, and a few fields as they were then.
MAJ_2025_ONLY = [
    P("QT-002", "煤矿安全质量标准化达标考核", "XZQR", "SPK", ["SPK-SC", "SPK-KZ"],
      content="对煤矿安全质量标准化达标情况进行考核。",
      bases=[("安全生产法", "第四条", "")], statutory=20, promised=15),
    P("QT-003", "不具备安全生产条件煤矿关闭验收", "XZJC", "AJK", ["AJK-JC2", "AJK-KZ"],
      content="对依法予以关闭的煤矿组织关闭验收。",
      bases=[("安全生产法", "第一百一十三条", "")], public=PF.WEBSITE),
]
MAJ_2025_CHANGES = {
    "XK-002": {"promised": 18, "note": ""},
    "CF-005": {"bases": [("国务院关于预防煤矿生产安全事故的特别规定", "第十条", ""),
                         ("煤矿安全监察条例", "第四十七条", "")], "note": PENALTY_NOTE},
    "JL-001": {"department": "AJK", "posts": ["AJK-KZ", "AJK-JC2"], "note": ""},
    "XK-001": {"content": "对本县行政区域内煤矿企业申请领取安全生产许可证的材料进行初审，提出初审意见后报市级煤矿安全"
                          "监管部门审核发证。"},
}
MAJ_2026_NEW = {"QR-002", "JC-004"}

# ----------------------------------------------------------------------------- 县市场监管局

SJJ_2026 = [
    # 行政审批股
    P("XK-001", "食品经营许可", "XZXK", "SPG", ["SPG-XK", "SPG-GZ"],
      content="对在本县从事食品销售、餐饮服务的申请人核发食品经营许可证，办理变更、延续和注销。",
      conditions="具有与经营的食品品种、数量相适应的经营场所；有专职或者兼职的食品安全管理人员和保证食品安全的规章"
                 "制度；设备布局和工艺流程合理，防止交叉污染。",
      bases=[("食品安全法", "第三十五条",
              "国家对食品生产经营实行许可制度。从事食品生产、食品销售、餐饮服务，应当依法取得许可……"),
             ("食品经营许可和备案管理办法", "第二十五条", "")],
      statutory=10, promised=8),
    P("XK-002", "药品零售企业许可", "XZXK", "SPG", ["SPG-XK", "SPG-GZ"],
      content="受理药品零售企业开办申请，组织现场检查，核发药品经营许可证。",
      conditions="有依法经过资格认定的药师或者其他药学技术人员；有与所经营药品相适应的营业场所、设备、仓储设施和卫生"
                 "环境；有保证药品质量的规章制度。",
      bases=[("药品管理法", "第五十一条",
              "……从事药品零售活动，应当经所在地县级以上地方人民政府药品监督管理部门批准，取得药品经营许可证……"),
             ("药品经营和使用质量监督管理办法", "第十四条", "")],
      statutory=20, promised=15, note="受市市场监督管理局委托办理。"),
    P("XK-003", "企业登记（设立、变更、注销）", "XZXK", "SPG", ["SPG-SL", "SPG-GZ"],
      content="办理本县登记管辖范围内企业的设立、变更、注销登记，核发营业执照。",
      conditions="申请材料齐全、符合法定形式；名称、住所、经营范围等符合规定。",
      bases=[("市场主体登记管理条例", "第三条", ""),
             ("市场主体登记管理条例", "第十九条",
              "……对申请材料齐全、符合法定形式的予以确认并当场登记。不能当场登记的，应当在3个工作日内予以登记……")],
      statutory=3, promised=1),
    P("XK-004", "个体工商户登记", "XZXK", "SPG", ["SPG-SL", "SPG-GZ"],
      content="办理个体工商户的设立、变更、注销登记，核发营业执照。",
      conditions="申请材料齐全、符合法定形式。",
      bases=[("促进个体工商户发展条例", "第八条", ""), ("市场主体登记管理条例", "第十九条", "")],
      statutory=3, promised=1),
    P("QT-001", "第二类医疗器械经营备案", "QTXZ", "SPG", ["SPG-XK", "SPG-GZ"],
      content="对从事第二类医疗器械经营的企业办理备案，当场发放备案凭证。",
      bases=[("医疗器械监督管理条例", "第四十一条", ""), ("医疗器械经营监督管理办法", "第二十一条", "")],
      statutory=1, promised=1, note="受市市场监督管理局委托办理；备案后三个月内由食品安全监管股组织现场检查。"),
    P("QT-003", "仅销售预包装食品备案", "QTXZ", "SPG", ["SPG-XK", "SPG-GZ"],
      content="对仅销售预包装食品的经营者办理备案，当场发放备案凭证。",
      bases=[("食品安全法", "第三十五条",
              "……仅销售预包装食品的，不需要取得许可。仅销售预包装食品的，应当报所在地县级以上地方人民政府食品安全"
              "监督管理部门备案。"),
             ("食品经营许可和备案管理办法", "第四十二条", "")],
      statutory=1, promised=1),
    # 特种设备安全监察股
    P("XK-005", "特种设备使用登记", "XZXK", "TSSB", ["TSSB-JC", "TSSB-GZ"],
      content="对电梯、锅炉、压力容器、起重机械等特种设备办理使用登记，核发使用登记证。",
      conditions="特种设备经监督检验合格；使用单位有安全管理人员和安全管理制度。",
      bases=[("特种设备安全法", "第三十三条",
              "特种设备使用单位应当在特种设备投入使用前或者投入使用后三十日内，向负责特种设备安全监督管理的部门办理"
              "使用登记，取得使用登记证书……"),
             ("特种设备安全监察条例", "第二十五条", "")],
      statutory=15, promised=5),
    P("JC-003", "特种设备安全监督检查", "XZJC", "TSSB", ["TSSB-JC", "TSSB-GZ"],
      content="对特种设备生产、经营、使用单位和检验、检测机构实施监督检查，重点检查学校、幼儿园、医院、车站、商场"
              "等公众聚集场所的特种设备。",
      bases=[("特种设备安全法", "第五十七条", ""), ("特种设备安全法", "第六十一条", "")],
      public=PF.WEBSITE),
    P("QZ-001", "查封、扣押不符合安全技术规范要求的特种设备", "XZQZ", "TSSB", ["TSSB-JC", "TSSB-GZ"],
      content="对有证据表明不符合安全技术规范要求或者存在严重事故隐患的特种设备实施查封、扣押。",
      bases=[("特种设备安全法", "第六十一条",
              "……（三）对有证据表明不符合安全技术规范要求或者存在严重事故隐患的特种设备实施查封、扣押……"),
             ("行政强制法", "第二十五条", "")],
      statutory=30, public=PF.WEBSITE),
    P("CF-003", "对使用未经检验或者检验不合格特种设备的行政处罚", "XZCF", "TSSB", ["TSSB-JC", "TSSB-GZ"],
      content="对使用未取得许可生产、未经检验或者检验不合格的特种设备的使用单位，责令停止使用，并处罚款。",
      bases=[("特种设备安全法", "第八十四条",
              "……特种设备使用单位有下列行为之一的，责令停止使用有关特种设备，处三万元以上三十万元以下罚款：（一）使用"
              "未取得许可生产，未经检验或者检验不合格的特种设备……")],
      statutory=60, public=PF.WEBSITE, note=PENALTY_NOTE),
    # 食品安全监管股
    P("JC-001", "食品安全监督抽检", "XZJC", "SPAQ", ["SPAQ-JC", "SPAQ-GZ"],
      content="按照年度抽检计划对食品进行抽样检验，对不合格食品依法核查处置并公布结果。",
      bases=[("食品安全法", "第八十七条",
              "县级以上人民政府食品安全监督管理部门应当对食品进行定期或者不定期的抽样检验，并依据有关规定公布检验"
              "结果，不得免检……"),
             ("食品安全抽样检验管理办法", "第五条", "")],
      public=PF.WEBSITE, note="检验机构检验时间不计入时限。"),
    P("JC-002", "食品生产经营日常监督检查", "XZJC", "SPAQ", ["SPAQ-JC", "SPAQ-GZ"],
      content="按照风险分级对食品生产经营者实施日常监督检查，检查结果记入食品安全信用档案并公开。",
      bases=[("食品安全法", "第一百一十条", ""), ("食品生产经营监督检查管理办法", "第三条", "")],
      public=PF.WEBSITE),
    P("QZ-002", "查封、扣押不符合食品安全标准的食品", "XZQZ", "SPAQ", ["SPAQ-JC", "SPAQ-GZ"],
      content="查封、扣押有证据证明不符合食品安全标准或者存在安全隐患以及用于违法生产经营的食品、工具和设备。",
      bases=[("食品安全法", "第一百一十条",
              "……（四）查封、扣押有证据证明不符合食品安全标准或者有证据证明存在安全隐患以及用于违法生产经营的食品……"),
             ("行政强制法", "第二十五条", "")],
      statutory=30, public=PF.WEBSITE),
    P("CF-001", "对未取得食品经营许可从事食品经营活动的行政处罚", "XZCF", "SPAQ", ["SPAQ-JC", "SPAQ-GZ"],
      content="没收违法所得和违法经营的食品、工具、设备、原料，并处罚款。",
      bases=[("食品安全法", "第一百二十二条",
              "违反本法规定，未取得食品生产经营许可从事食品生产经营活动……违法生产经营的食品货值金额不足一万元的，"
              "并处五万元以上十万元以下罚款；货值金额一万元以上的，并处货值金额十倍以上二十倍以下罚款。")],
      statutory=60, public=PF.WEBSITE, note=PENALTY_NOTE),
    P("CF-002", "对经营不符合食品安全标准食品的行政处罚", "XZCF", "SPAQ", ["SPAQ-JC", "SPAQ-GZ"],
      content="没收违法所得和违法经营的食品，并处罚款；情节严重的，吊销许可证。",
      bases=[("食品安全法", "第一百二十四条",
              "……违法生产经营的食品、食品添加剂货值金额不足一万元的，并处五万元以上十万元以下罚款；货值金额一万元以上"
              "的，并处货值金额十倍以上二十倍以下罚款……")],
      statutory=60, public=PF.WEBSITE, note=PENALTY_NOTE),
    P("JL-001", "食品安全违法行为举报奖励", "XZJL", "SPAQ", ["SPAQ-GZ", "SPAQ-JC"],
      content="对举报食品安全违法行为、经查证属实的举报人给予奖励，并为举报人保密。",
      bases=[("食品安全法", "第一百一十五条", "……对查证属实的举报，给予举报人奖励。"),
             ("市场监管领域重大违法行为举报奖励暂行办法", "第六条", "")],
      statutory=30, promised=20),
    P("QR-001", "餐饮服务食品安全量化分级评定", "XZQR", "SPAQ", ["SPAQ-JC", "SPAQ-GZ"],
      content="根据日常监督检查和信用档案记录，评定餐饮服务单位食品安全等级并公示。",
      bases=[("食品安全法", "第一百一十三条", ""), ("食品生产经营监督检查管理办法", "第三十条", "")],
      statutory=20, promised=15, note="公示期不计入时限。"),
    # 法规股
    P("JC-004", "价格监督检查", "XZJC", "FGK", ["FGK-CF", "FGK-GZ"],
      content="对明码标价、政府定价和政府指导价执行情况实施监督检查，重点检查教育、医疗、停车和节假日旅游市场价格。",
      bases=[("价格法", "第三十三条", "县级以上各级人民政府价格主管部门，依法对价格活动进行监督检查……"),
             ("明码标价和禁止价格欺诈规定", "第二十二条", "")],
      public=PF.WEBSITE),
    P("CF-004", "对经营者违反明码标价规定的行政处罚", "XZCF", "FGK", ["FGK-CF", "FGK-GZ"],
      content="对不按规定明码标价的经营者责令改正，没收违法所得，并处罚款。",
      bases=[("价格法", "第四十二条", "经营者违反明码标价规定的，责令改正，没收违法所得，可以并处五千元以下的罚款。"),
             ("价格违法行为行政处罚规定", "第十三条", "")],
      statutory=60, public=PF.WEBSITE, note=PENALTY_NOTE),
    P("CF-005", "对未经设立登记从事经营活动的行政处罚", "XZCF", "FGK", ["FGK-CF", "FGK-GZ"],
      content="对未经设立登记从事经营活动的，责令改正，没收违法所得；拒不改正的，并处罚款。",
      bases=[("市场主体登记管理条例", "第四十三条",
              "未经设立登记从事经营活动的，由登记机关责令改正，没收违法所得；拒不改正的，处1万元以上10万元以下的罚款……"),
             ("无证无照经营查处办法", "第十三条", "")],
      statutory=60, public=PF.WEBSITE, note=PENALTY_NOTE),
    P("CF-006", "对经营者虚假宣传的行政处罚", "XZCF", "FGK", ["FGK-CF", "FGK-GZ"],
      content="对经营者作虚假或者引人误解的商业宣传，责令停止违法行为，并处罚款。",
      bases=[("反不正当竞争法", "第二十条",
              "……处二十万元以上一百万元以下的罚款；情节严重的，处一百万元以上二百万元以下的罚款，可以吊销营业执照。")],
      statutory=60, public=PF.WEBSITE, note=PENALTY_NOTE),
    P("CF-007", "对销售不符合保障人体健康和人身、财产安全标准产品的行政处罚", "XZCF", "FGK", ["FGK-CF", "FGK-GZ"],
      content="责令停止销售，没收违法销售的产品，并处货值金额等值以上三倍以下的罚款。",
      bases=[("产品质量法", "第四十九条",
              "……责令停止生产、销售，没收违法生产、销售的产品，并处违法生产、销售产品……货值金额等值以上三倍以下的"
              "罚款……")],
      statutory=60, public=PF.WEBSITE, note=PENALTY_NOTE),
    # 办公室
    P("QT-002", "消费投诉处理（行政调解）", "QTXZ", "BGS", ["BGS-ZH", "BGS-ZR"],
      content="受理消费者投诉，在双方自愿的基础上组织调解，调解不成的告知其他解决途径。",
      bases=[("消费者权益保护法", "第三十九条", "……（三）向有关行政部门投诉……"),
             ("市场监督管理投诉举报处理暂行办法", "第十五条",
              "……应当自收到投诉之日起七个工作日内作出受理或者不予受理的决定……")],
      statutory=45, promised=30),
    P("NB-003", "政府采购", "NBGL", "BGS", ["BGS-ZR", "BGS-ZH"],
      content="本局货物、工程和服务的采购需求编制、采购组织和履约验收。",
      bases=[("政府采购法", "第二条", ""), ("政府采购法实施条例", "第十一条", "")],
      public=PF.INTERNAL, external=False),
    P("NB-004", "公务接待", "NBGL", "BGS", ["BGS-ZR", "BGS-ZH"],
      content="凭公函安排公务接待，按标准控制接待范围和费用，逐次填写接待清单。",
      bases=[("党政机关国内公务接待管理规定", "第六条", ""), ("党政机关厉行节约反对浪费条例", "第二十九条", "")],
      public=PF.INTERNAL, external=False),
    P("NB-005", "办公用品和小额物资采购", "NBGL", "BGS", ["BGS-ZH", "BGS-ZR", "CWG-KJ"],
      content=SMALL_PURCHASE_CONTENT, bases=[LAW_SPLIT_PURCHASE], public=PF.INTERNAL, external=False,
      note=SMALL_PURCHASE_NOTE),
    P("RS-001", "干部选拔任用", "RSRM", "BGS", ["L-JZ", "L-JJZ", "BGS-ZR"],
      content="本局股级干部的动议、民主推荐、考察、讨论决定、任前公示和任职。",
      bases=[("党政领导干部选拔任用工作条例", "第二条", ""), ("党政领导干部选拔任用工作条例", "第三十三条", "")],
      public=PF.INTERNAL, external=False),
    # 财务股
    P("ZJ-001", "大额资金使用", "ZJSY", "CWG", ["L-JZ", "L-FJZ1", "L-FJZ2", "CWG-GZ"],
      content="单笔5万元（含）以上的经费支出、食品抽检等专项经费使用和预算调整，经局党组会议集体研究决定后执行。",
      bases=[LAW_PARTY_GROUP, ("预算法", "第五十七条", "")], public=PF.INTERNAL, external=False),
    P("NB-001", "财务报销审批", "NBGL", "CWG", ["CWG-KJ", "CWG-GZ", "L-JZ"],
      content="审核日常经费报销的真实性、合规性，按权限审批后支付。",
      bases=[("会计法", "第十四条", ""), (LAW_INTERNAL_CONTROL, "第二十九条", "")],
      public=PF.INTERNAL, external=False),
    P("NB-002", "国有资产管理和处置", "NBGL", "CWG", ["CWG-GZ", "CWG-KJ"],
      content="执法装备、快检设备等固定资产的登记、清查和报废处置。",
      bases=[("行政事业性国有资产管理条例", "第二十五条", "")], public=PF.INTERNAL, external=False),
    # 领导班子
    P("ZD-001", "重大事项决策", "ZDJC", None, ["L-JZ", "L-FJZ1", "L-FJZ2", "L-JJZ"],
      content="年度监管执法计划、重大执法决定、重要制度制定等重大事项，由局党组会议或局长办公会议集体研究决定。",
      bases=[LAW_PARTY_GROUP, ("重大行政决策程序暂行条例", "第三条", "")], public=PF.INTERNAL, external=False),
    P("XM-001", "重大项目安排", "XMAP", None, ["L-JZ", "L-FJZ1", "L-FJZ2"],
      content="智慧市场监管平台、食品快检室、农贸市场提升改造等重大项目的立项、资金安排和组织实施。",
      bases=[("政府投资条例", "第九条", ""), LAW_PARTY_GROUP], public=PF.INTERNAL, external=False),
]

# ----------------------------------------------------------------------------- flowcharts


def S(code, name, post, days=None, *flags, hours=None, decides="", min_hours=None):
    """One step; flags: start / end (used by F), stop (clock_stop), sup, disc, dec.
    min_hours: the shortest plausible handling time (faster is checked as 办理过快)."""
    step = {"code": code, "name": name, "post": post, "limit_hours": hours,
            "limit_workdays": None if "stop" in flags else days}
    if min_hours is not None:
        step["min_hours"] = min_hours
    if decides:
        step["decides"] = decides
    for flag, key in (("stop", "clock_stop"), ("sup", "supervision_point"), ("disc", "discretion_point"),
                      ("dec", "decision")):
        if flag in flags:
            step[key] = True
    step["_flags"] = flags
    return step


def F(code, name, powers, steps, transitions, *, labels=None, incompatible=(), discretion=(), case_days=None,
      note="", params=None):
    start = [s["code"] for s in steps if "start" in s["_flags"]]
    end = [s["code"] for s in steps if "end" in s["_flags"]]
    for s in steps:
        s.pop("_flags")
    edges = [[t[0], t[1]] for t in transitions]
    all_labels = [{"from": t[0], "to": t[1], "label": t[2]} for t in transitions if len(t) > 2]
    for (a, b), label in (labels or {}).items():
        all_labels.append({"from": a, "to": b, "label": label})
    chart = {
        "flowchart_code": code, "power_code": powers[0], "power_codes": list(powers), "name": name,
        "steps": steps, "start": start, "end": end, "transitions": edges, "transition_labels": all_labels,
        "case_limit_hours": None, "case_limit_workdays": case_days,
        "incompatible_steps": [list(p) for p in incompatible], "discretion": list(discretion),
    }
    if note:
        chart["note"] = note
    if params:
        chart["params"] = dict(params)
    return chart


def licence(code, name, powers, *, accept, review, approve, decide, review_days, approve_days=2, decide_days=2,
            site=None, site_days=5, expert=False, publicity=False, case_days=None, note="", review_min_hours=None,
            site_min_hours=None):
    """受理 → 材料审查 → (现场核查) → (专家评审) → 审核 → 决定 → 送达, with 补正 and 不予许可;
    review_min_hours / site_min_hours: shortest plausible time of 材料审查 / 现场核查."""
    steps = [
        S("S1", "受理", accept, 1, "start", decides="材料是否齐全、符合法定形式；是否属于本机关职权范围"),
        S("S2", "一次性告知补正", accept, None, "stop"),
        S("S3", "不予受理告知", accept, 1, "end"),
        S("S4", "材料审查", review, review_days, "sup", decides="申请材料是否符合法定条件",
          min_hours=review_min_hours),
    ]
    flow = [("S1", "S2", "材料不齐全"), ("S2", "S1", "补正后重新提交"), ("S1", "S3", "不属于受理范围"),
            ("S1", "S4", "受理"), ("S4", "S2", "需补正")]
    last = "S4"
    if site:
        steps.append(S("S5", "现场核查", site, site_days, "sup", decides="现场条件与申请材料是否一致",
                       min_hours=site_min_hours))
        flow.append((last, "S5"))
        last = "S5"
    if expert:
        steps.append(S("S6", "专家评审", review, None, "stop"))
        flow.append((last, "S6"))
        last = "S6"
    steps += [
        S("S7", "审核", approve, approve_days, decides="审查意见是否准确、程序是否合法"),
        S("S8", "审批决定", decide, decide_days, "dec", "sup", decides="准予或者不予许可"),
    ]
    flow += [(last, "S7"), ("S7", "S4", "退回重新审查"), ("S7", "S8")]
    if publicity:
        steps.append(S("S9", "结果公示", accept, None, "stop"))
        flow += [("S8", "S9", "拟准予"), ("S9", "S10")]
        steps.append(S("S10", "制证送达", accept, 1, "end"))
    else:
        steps.append(S("S10", "制证送达", accept, 1, "end"))
        flow.append(("S8", "S10", "准予"))
    steps.append(S("S11", "不予许可告知", accept, 1, "end", decides="说明理由，告知申请复议或者提起诉讼的权利"))
    flow.append(("S8", "S11", "不予许可"))
    pairs = [("S4", "S8")] + ([("S5", "S7")] if site else [])
    return F(code, name, powers, steps, flow, incompatible=pairs, case_days=case_days, note=note)


def penalty(code, name, powers, *, register, approve_case, investigate, legal, notify, hearing, decide, review=None,
            collective="局长", mandatory_collective=False, discretion=(), investigate_days=15, case_days=60, note=""):
    """立案 → 调查取证 → (案件审理) → 法制审核 → 告知 → 听证（可选）→ (集体讨论) → 决定 → 送达 → 执行 → 结案归档."""
    steps = [
        S("S1", "案件线索登记", register, 1, "start"),
        S("S2", "立案审批", approve_case, 2, "dec", decides="是否符合立案条件"),
        S("S3", "不予立案告知", register, 1, "end"),
        S("S4", "调查取证", investigate, investigate_days, "sup", decides="违法事实、证据和情节"),
    ]
    flow = [("S1", "S2"), ("S2", "S3", "不予立案"), ("S2", "S4", "予以立案")]
    last = "S4"
    if review:
        steps.append(S("S5", "案件审理", review, 3, decides="违法事实是否清楚、拟处理意见是否适当"))
        flow += [("S4", "S5"), ("S5", "S4", "补充调查")]
        last = "S5"
    steps += [
        S("S6", "法制审核", legal, 5, "sup", decides="主体、事实、证据、程序、法律适用和裁量基准"),
        S("S7", "事先告知", notify, 2, decides="拟处罚内容及陈述、申辩、听证权利"),
        S("S8", "听证", hearing, None, "stop"),
        S("S9", "集体讨论", collective, 3, "sup", "dec", decides="情节复杂或者重大违法行为的处罚"),
        S("S10", "处罚决定", decide, 2, "dec", "disc", decides="处罚种类和罚款金额（按裁量基准）"),
        S("S11", "送达", notify, 2),
        S("S12", "执行", notify, 10, decides="罚款缴纳或者申请强制执行"),
        S("S13", "结案归档", notify, 2, "end"),
    ]
    flow += [(last, "S6"), ("S6", last, "退回补正"), ("S6", "S7"), ("S7", "S8", "当事人申请听证"), ("S8", "S9")]
    if mandatory_collective:
        flow += [("S7", "S9", "放弃听证")]
    else:
        flow += [("S7", "S9", "重大案件"), ("S7", "S10", "一般案件"), ("S8", "S10", "一般案件")]
    flow += [("S9", "S10"), ("S10", "S11"), ("S11", "S12"), ("S12", "S13")]
    pairs = [("S4", "S6"), ("S4", "S8"), ("S4", "S10")]
    return F(code, name, powers, steps, flow, incompatible=pairs, discretion=discretion, case_days=case_days,
             note=note or "听证期间不计入办案期限。")


def inspection(code, name, powers, *, head, inspect, recheck, plan_days=3, inspect_days=2, recheck_days=5, note=""):
    """任务下达 → 现场检查 → 检查记录 → (责令整改 → 整改期 → 复查) → 移送立案 / 公开归档."""
    steps = [
        S("S1", "检查任务下达", head, plan_days, "start", decides="检查对象、事项和执法人员（随机抽取）"),
        S("S2", "现场检查", inspect, inspect_days, "sup"),
        S("S3", "制作检查记录", inspect, 1),
        S("S4", "责令限期整改", head, 1, "dec", decides="整改事项和期限"),
        S("S5", "整改期", inspect, None, "stop"),
        S("S6", "复查", recheck, recheck_days, "sup", decides="整改是否到位"),
        S("S7", "移送立案", head, 2, "end"),
        S("S8", "结果公开归档", inspect, 2, "end"),
    ]
    flow = [("S1", "S2"), ("S2", "S3"), ("S3", "S8", "未发现问题"), ("S3", "S4", "发现问题"), ("S3", "S7", "涉嫌违法"),
            ("S4", "S5"), ("S5", "S6"), ("S6", "S8", "整改到位"), ("S6", "S7", "逾期未整改")]
    return F(code, name, powers, steps, flow, incompatible=[("S2", "S6")], note=note)


def seizure(code, name, powers, *, inspect, second, head, decide, note=""):
    """发现 → 报批 → 负责人批准 → 实施 → 送达 → (检测鉴定) → 处理决定 → 解除 / 没收或移送."""
    steps = [
        S("S1", "发现违法情形", inspect, 1, "start"),
        S("S2", "报请批准", head, 1),
        S("S3", "负责人审批", decide, 1, "dec", "sup", decides="是否采取查封、扣押措施"),
        S("S4", "实施查封、扣押", inspect, 1, "sup", decides="两名以上执法人员实施，制作现场笔录和清单"),
        S("S5", "送达决定书和清单", second, 1),
        S("S6", "检测、检验或者技术鉴定", second, None, "stop"),
        S("S7", "作出处理决定", decide, 3, "dec", decides="解除，或者没收、移送立案"),
        S("S8", "解除查封、扣押", inspect, 1, "end"),
        S("S9", "移送立案处罚", head, 2, "end"),
        S("S10", "终止告知", inspect, 1, "end"),
    ]
    flow = [("S1", "S2"), ("S2", "S3"), ("S3", "S4", "批准"), ("S3", "S10", "不予批准"), ("S4", "S5"),
            ("S5", "S6", "需检测鉴定"), ("S5", "S7"), ("S6", "S7"), ("S7", "S8", "解除"), ("S7", "S9", "没收或移送")]
    return F(code, name, powers, steps, flow, incompatible=[("S3", "S4")], case_days=30,
             note=note or "查封、扣押期限不得超过三十日；检测、检验或者技术鉴定期间不计入。")


def collective(code, name, powers, *, propose, legal, discipline, chair, record, note=""):
    """议题提出 → 合法性审查 → (论证评估) → 征求纪检意见 → 集体研究 → 纪要 → 组织实施."""
    steps = [
        S("S1", "议题提出", propose, 3, "start", decides="议题内容、依据和方案"),
        S("S2", "合法性审查", legal, 3, "sup"),
        S("S3", "专家论证和风险评估", propose, None, "stop"),
        S("S4", "征求纪检组意见", discipline, 2, "sup"),
        S("S5", "党组会议集体研究", chair, 2, "dec", "sup", decides="主要负责人末位表态，逐项表决"),
        S("S6", "形成会议纪要", record, 2),
        S("S7", "组织实施和督办反馈", propose, 10, "end"),
        S("S8", "暂缓或者不予通过", record, 1, "end"),
    ]
    flow = [("S1", "S2"), ("S2", "S1", "退回完善"), ("S2", "S3", "需论证评估"), ("S2", "S4"), ("S3", "S4"),
            ("S4", "S5"), ("S5", "S6", "通过"), ("S5", "S8", "不通过"), ("S6", "S7")]
    return F(code, name, powers, steps, flow, incompatible=[("S1", "S4")], note=note)


def approval(code, name, powers, chain, *, incompatible=(), case_days=None, note="", back=True, params=None):
    """A linear chain of approvals with 退回 from each reviewer to the applicant and a 不予同意 end.
    chain: [(name, post, days, flags...)]; the first is the start, the last the end."""
    steps, flow = [], []
    for index, (name, post, days, *flags) in enumerate(chain, start=1):
        marks = list(flags)
        if index == 1:
            marks.append("start")
        if index == len(chain):
            marks.append("end")
        steps.append(S(f"S{index}", name, post, days, *marks))
        if index > 1:
            flow.append((f"S{index - 1}", f"S{index}"))
            if back and "dec" in flags:
                flow.append((f"S{index}", "S1", "退回修改"))
    return F(code, name, powers, steps, flow, incompatible=incompatible, case_days=case_days, note=note,
             params=params)


def _maj_flowcharts():
    fz1, fz2 = "副局长（分管安全监察、行政审批）", "副局长（分管法规、财务）"
    penalty_posts = dict(register="现场监察岗（一）", approve_case=fz1, investigate="现场监察岗（一）",
                         review="安全监察科科长", legal="法规科科长", notify="行政处罚岗", hearing="法规科科长")
    return [
        licence("LC-XK-001", "煤矿安全生产许可证核发初审流程", ["XK-001"], accept="许可受理岗", review="许可审查岗",
                site="现场监察岗（二）", approve="行政审批科科长", decide=fz1, review_days=5, case_days=30,
                site_min_hours=4, note="现场核查须下井核实，最短合理用时4小时。"),
        licence("LC-XK-002", "煤矿建设项目安全设施设计审查流程", ["XK-002"], accept="许可受理岗", review="许可审查岗",
                approve="行政审批科科长", decide=fz1, review_days=5, expert=True, case_days=20,
                note="专家评审期间不计入审查时限。"),
        approval("LC-XK-003", "特种作业人员和煤矿安全管理人员考核发证流程", ["XK-003", "QR-001"], [
            ("报名受理", "安全培训考核岗", 1), ("资格审查", "安全培训考核岗", 2, "sup"),
            ("组织考试", "安全培训考核岗", 5, "sup"), ("成绩审核", "行政审批科科长", 2, "dec"),
            ("发证决定", fz1, 1, "dec"), ("制证发放", "许可受理岗", 2),
        ], incompatible=[("S3", "S4")], case_days=20,
            note="特种作业人员操作资格考核与主要负责人、安全生产管理人员考核程序相同，共用本流程图。"),
        licence("LC-QR-002", "煤矿安全生产标准化三级等级确认流程", ["QR-002"], accept="许可受理岗", review="许可审查岗",
                site="现场监察岗（二）", approve="行政审批科科长", decide=fz1, review_days=3, publicity=True,
                case_days=20, note="公示期不计入时限。"),
        penalty("LC-CF-001", "煤矿安全生产违法行为行政处罚流程（一般程序）", ["CF-002", "CF-003", "CF-007"],
                decide=fz1, discretion=[{"step": "S10", "attribute": "amount", "min": None, "max": 200000,
                                         "unit": "元", "note": "逾期未改正的，五万元（或十万元）以上二十万元以下"}],
                **penalty_posts),
        penalty("LC-CF-002", "未取得安全生产许可证擅自生产行政处罚流程", ["CF-001"], decide="局长",
                mandatory_collective=True,
                discretion=[{"step": "S10", "attribute": "amount", "min": 100000, "max": 500000, "unit": "元"}],
                **penalty_posts),
        penalty("LC-CF-003", "未消除事故隐患行政处罚流程", ["CF-004"], decide=fz1,
                discretion=[{"step": "S10", "attribute": "amount", "min": None, "max": 50000, "unit": "元"}],
                **penalty_posts),
        penalty("LC-CF-004", "存在重大事故隐患仍然生产行政处罚流程", ["CF-005"], decide="局长", mandatory_collective=True,
                discretion=[{"step": "S10", "attribute": "amount", "min": 500000, "max": 2000000, "unit": "元"}],
                **penalty_posts),
        penalty("LC-CF-005", "生产安全事故罚款流程", ["CF-006"], register="事故调查岗", approve_case=fz2,
                investigate="事故调查岗", legal="法规科科长", notify="行政处罚岗", hearing="副局长（分管法规、财务）",
                decide="局长", mandatory_collective=True, investigate_days=10,
                discretion=[{"step": "S10", "attribute": "amount", "min": 300000, "max": 1000000, "unit": "元",
                             "note": "一般事故"}],
                note="依据经县人民政府批复的事故调查报告立案；听证期间不计入办案期限。"),
        F("LC-CF-006", "责令停产整顿及复产验收流程", ["CF-008"], [
            S("S1", "现场检查发现重大事故隐患", "现场监察岗（一）", 1, "start", "sup"),
            S("S2", "科室审核", "安全监察科科长", 1),
            S("S3", "停产整顿决定", fz1, 1, "dec", decides="是否责令停产整顿及整顿期限"),
            S("S4", "送达并监督停产", "现场监察岗（一）", 1),
            S("S5", "整顿期", "隐患排查治理岗", None, "stop"),
            S("S6", "复产申请受理", "隐患排查治理岗", 1),
            S("S7", "复产验收", "现场监察岗（二）", 5, "sup", decides="隐患是否消除、是否具备复产条件"),
            S("S8", "复产审批", fz1, 2, "dec"),
            S("S9", "准予复产通知", "隐患排查治理岗", 1, "end"),
        ], [("S1", "S2"), ("S2", "S3"), ("S3", "S4"), ("S4", "S5"), ("S5", "S6"), ("S6", "S7"), ("S7", "S8"),
            ("S8", "S9", "验收合格"), ("S8", "S5", "验收不合格，继续整顿")],
          incompatible=[("S1", "S7"), ("S3", "S7")], case_days=20, note="整顿期不计入时限；验收人员与检查人员分离。"),
        inspection("LC-JC-001", "煤矿安全监督检查流程", ["JC-001", "JC-003"], head="安全监察科科长",
                   inspect="现场监察岗（一）", recheck="现场监察岗（二）",
                   note="竣工验收监督核查按本流程办理，检查事项为验收活动和验收结果。"),
        F("LC-JC-002", "重大事故隐患挂牌督办流程", ["JC-002"], [
            S("S1", "隐患登记", "隐患排查治理岗", 1, "start"),
            S("S2", "挂牌督办审核", "安全监察科科长", 2, "dec", decides="督办等级、治理期限和责任人"),
            S("S3", "下达督办通知", "隐患排查治理岗", 1),
            S("S4", "企业治理期", "隐患排查治理岗", None, "stop"),
            S("S5", "治理情况核查", "现场监察岗（二）", 5, "sup"),
            S("S6", "销号审核", "安全监察科科长", 2, "dec"),
            S("S7", "销号归档", "隐患排查治理岗", 1, "end"),
        ], [("S1", "S2"), ("S2", "S3"), ("S3", "S4"), ("S4", "S5"), ("S5", "S6"), ("S6", "S7", "同意销号"),
            ("S6", "S4", "继续治理")], incompatible=[("S1", "S5")]),
        approval("LC-JC-004", "煤矿应急预案备案流程", ["JC-004"], [
            ("受理", "隐患排查治理岗", 1), ("形式核对", "隐患排查治理岗", 1, "sup"),
            ("备案审核", "安全监察科科长", 1, "dec"),
        ], case_days=5),
        seizure("LC-QZ-001", "查封、扣押及停止供电（供爆）强制措施流程", ["QZ-001", "QZ-002"], inspect="现场监察岗（一）",
                second="现场监察岗（二）", head="安全监察科科长", decide="局长",
                note="停止供电、停止供应民用爆炸物品除紧急情形外应提前二十四小时书面通知煤矿；查封、扣押期限不得超过"
                     "三十日，检测鉴定期间不计入。"),
        F("LC-QT-001", "生产安全事故调查处理流程", ["QT-001"], [
            S("S1", "事故接报和核实", "事故调查岗", 1, "start"),
            S("S2", "现场勘察", "事故调查岗", 3, "sup"),
            S("S3", "组织调查取证", "法规科科长", 15, "sup"),
            S("S4", "技术鉴定", "事故调查岗", None, "stop"),
            S("S5", "起草调查报告", "事故调查岗", 5),
            S("S6", "局务会议审议", "局长", 3, "dec", "sup", decides="事故性质、原因、责任认定和处理建议"),
            S("S7", "报县人民政府批复", "法规科科长", 5),
            S("S8", "落实批复和整改措施", "事故调查岗", 5, "end"),
        ], [("S1", "S2"), ("S2", "S3"), ("S3", "S4", "需技术鉴定"), ("S3", "S5"), ("S4", "S5"), ("S5", "S6"),
            ("S6", "S5", "修改完善"), ("S6", "S7"), ("S7", "S8")], case_days=40,
          note="事故调查组自事故发生之日起60日内提交事故调查报告；技术鉴定时间不计入。"),
        F("LC-JL-001", "安全生产举报受理和奖励流程", ["JL-001"], [
            S("S1", "举报受理登记", "文秘档案岗", 1, "start", decides="举报人信息严格保密"),
            S("S2", "转办核查", "现场监察岗（二）", 8, "sup"),
            S("S3", "奖励审核", "办公室主任", 2, "dec", decides="是否属实、奖励标准"),
            S("S4", "奖励决定", fz2, 1, "dec"),
            S("S5", "兑付奖金", "出纳岗", 1, "end"),
            S("S6", "核查不属实，答复举报人", "文秘档案岗", 1, "end"),
        ], [("S1", "S2"), ("S2", "S3"), ("S2", "S6", "不属实"), ("S3", "S4"), ("S4", "S5")],
          incompatible=[("S2", "S3")], case_days=30),
        collective("LC-ZD-001", "“三重一大”事项集体决策流程", ["ZD-001", "XM-001"], propose="办公室主任",
                   legal="法规科科长", discipline="纪检组长", chair="局长", record="文秘档案岗",
                   note="重大项目安排按本流程办理，立项前须完成专家论证和风险评估。"),
        approval("LC-ZJ-001", "大额资金使用审批流程", ["ZJ-001", "ZJ-002"], [
            ("用款申请", "财务科科长", 2), ("预算和合规审核", "会计岗", 2, "sup"),
            ("分管领导审核", fz2, 2, "dec"), ("党组会议集体研究", "局长", 3, "dec", "sup"),
            ("资金支付", "出纳岗", 2), ("支付结果公开和归档", "会计岗", 1),
        ], incompatible=[("S2", "S5")], note="单笔5万元（含）以上；专项资金分配结果在局网站公示。"),
        approval("LC-RS-001", "中层干部选拔任用流程", ["RS-001"], [
            ("动议", "局长", 2), ("民主推荐", "干部人事岗", 3, "sup"), ("组织考察", "人事科科长", 5),
            ("征求纪检组意见", "纪检组长", 2, "sup"), ("党组会议讨论决定", "局长", 2, "dec", "sup"),
            ("任前公示", "干部人事岗", None, "stop"), ("办理任职", "干部人事岗", 1),
        ], note="任前公示期不少于5个工作日，不计入时限。", back=False),
        approval("LC-NB-001", "政府采购流程", ["NB-001"], [
            ("采购需求申报", "后勤采购岗", 2), ("预算审核", "会计岗", 2, "sup"), ("采购审批", fz2, 2, "dec"),
            ("组织采购", "后勤采购岗", 15), ("履约验收", "办公室主任", 3, "sup"), ("付款", "出纳岗", 3),
        ], incompatible=[("S4", "S5")]),
        approval("LC-NB-002", "财务报销审批流程", ["NB-004"], [
            ("报销申请", "会计岗", 1), ("票据审核", "会计岗", 2, "sup"), ("科室负责人审核", "财务科科长", 1, "dec"),
            ("分管领导审批", fz2, 1, "dec"), ("支付", "出纳岗", 1),
        ], incompatible=[("S2", "S5")]),
        approval("LC-NB-003", "公务接待和公务用车审批流程", ["NB-002", "NB-003"], [
            ("提出申请", "后勤采购岗", 1), ("办公室审核", "办公室主任", 1, "dec"),
            ("组织实施", "后勤采购岗", 1), ("填写清单、登记归档", "文秘档案岗", 1),
        ], note="公务接待凭公函，逐次填写接待清单；公务用车凭派车单。"),
        approval("LC-NB-004", "国有资产处置流程", ["NB-005"], [
            ("处置申请", "会计岗", 2), ("资产清查核实", "财务科科长", 3, "sup"), ("分管领导审核", fz2, 2, "dec"),
            ("报财政部门审批", "财务科科长", 10), ("处置和账务处理", "会计岗", 3),
        ]),
        approval("LC-NB-005", "干部职工年度考核流程", ["NB-006"], [
            ("个人总结", "干部人事岗", 5), ("民主测评", "人事科科长", 2, "sup"), ("考核委员会审议", "局长", 2, "dec"),
            ("结果公示", "干部人事岗", None, "stop"), ("结果反馈和归档", "干部人事岗", 2),
        ], back=False),
        approval("LC-NB-006", "办公用品和小额物资采购审批流程", ["NB-007"], [
            ("采购申请", "后勤采购岗", 1), ("办公室审核", "办公室主任", 1, "dec"), ("财务审核", "会计岗", 1, "sup"),
            ("分管领导审批", fz2, 1, "dec", "sup"), ("询价采购和验收入库", "后勤采购岗", 5), ("报账付款", "出纳岗", 2),
        ], incompatible=[("S3", "S6")], params=SMALL_PURCHASE_PARAMS,
            note="单笔5万元以下；5万元（含）以上的按大额资金使用审批流程办理。同一供应商30日内多笔接近5万元的采购，"
                 "电子监察提示疑似拆分采购。"),
    ]


def _sjj_flowcharts():
    fz1, fz2 = "副局长（分管审批、食品）", "副局长（分管特种设备、法规）"
    food = dict(register="食品抽检岗", approve_case=fz1, investigate="食品抽检岗", review="食品安全监管股股长",
                legal="案件审核岗", notify="食品抽检岗", hearing="法规股股长")
    law = dict(register="案件审核岗", approve_case=fz2, investigate="案件审核岗", legal="法规股股长",
               notify="案件审核岗", hearing="办公室主任")
    return [
        licence("SC-XK-001", "食品经营许可流程", ["XK-001"], accept="食品经营许可岗", review="食品经营许可岗",
                site="食品抽检岗", approve="审批股股长", decide=fz1, review_days=2, site_days=2, approve_days=1,
                decide_days=1, case_days=10, note="现场核查由食品安全监管股派员，实行审管联动。"),
        licence("SC-XK-002", "药品零售企业许可流程", ["XK-002"], accept="食品经营许可岗", review="食品经营许可岗",
                site="食品抽检岗", approve="审批股股长", decide=fz1, review_days=3, site_days=5, case_days=20,
                review_min_hours=2, note="材料审查须逐项核对药学技术人员资格和质量管理制度，最短合理用时2小时。"),
        F("SC-DJ-001", "市场主体登记流程", ["XK-003", "XK-004"], [
            S("S1", "受理", "登记注册受理岗", None, "start", hours=2, decides="材料是否齐全、符合法定形式"),
            S("S2", "一次性告知补正", "登记注册受理岗", None, "stop"),
            S("S3", "审核", "审批股股长", None, "dec", "sup", hours=4),
            S("S4", "核准发照", "登记注册受理岗", None, "end", hours=2),
            S("S5", "不予登记告知", "登记注册受理岗", None, "end", hours=2),
        ], [("S1", "S2", "材料不齐全"), ("S2", "S1", "补正后重新提交"), ("S1", "S3"), ("S3", "S4", "核准"),
            ("S3", "S5", "不予登记")], incompatible=[("S1", "S3")], case_days=3,
          note="企业登记和个体工商户登记程序相同，共用本流程图；材料齐全的当场登记。"),
        licence("SC-XK-005", "特种设备使用登记流程", ["XK-005"], accept="特种设备检查岗", review="特种设备检查岗",
                approve="特种设备股股长", decide=fz2, review_days=1, approve_days=1, decide_days=1, case_days=15),
        F("SC-BA-001", "备案类事项办理流程", ["QT-001", "QT-003"], [
            S("S1", "受理核对", "食品经营许可岗", None, "start", "sup", hours=4),
            S("S2", "一次性告知补正", "食品经营许可岗", None, "stop"),
            S("S3", "发放备案凭证并公开", "食品经营许可岗", None, "end", hours=4),
        ], [("S1", "S2", "材料不齐全"), ("S2", "S1"), ("S1", "S3", "材料齐全")], case_days=1,
          note="第二类医疗器械经营备案与仅销售预包装食品备案程序相同，当场办结。"),
        F("SC-QT-002", "消费投诉处理流程", ["QT-002"], [
            S("S1", "投诉登记", "综合文秘岗", 1, "start"),
            S("S2", "受理审查", "办公室主任", 6, "dec", decides="受理或者不予受理（七个工作日内）"),
            S("S3", "不予受理告知", "综合文秘岗", 1, "end"),
            S("S4", "组织调解", "综合文秘岗", 20, "sup"),
            S("S5", "调解结果确认", "办公室主任", 2, "dec"),
            S("S6", "制作调解书或终止调解告知", "综合文秘岗", 1, "end"),
        ], [("S1", "S2"), ("S2", "S3", "不予受理"), ("S2", "S4", "受理"), ("S4", "S5"), ("S5", "S6")],
          incompatible=[("S4", "S5")], case_days=45),
        licence("SC-QR-001", "餐饮服务食品安全量化分级评定流程", ["QR-001"], accept="食品抽检岗", review="食品抽检岗",
                site="食品抽检岗", approve="食品安全监管股股长", decide=fz1, review_days=3, site_days=3,
                publicity=True, case_days=20, note="公示期不计入时限。"),
        F("SC-JC-001", "食品安全监督抽检流程", ["JC-001"], [
            S("S1", "制定抽检计划", "食品安全监管股股长", 5, "start", "dec"),
            S("S2", "现场抽样", "食品抽检岗", 3, "sup", decides="两名以上执法人员抽样，样品封存"),
            S("S3", "检验机构检验", "食品抽检岗", None, "stop"),
            S("S4", "不合格结果送达", "食品抽检岗", 5),
            S("S5", "复检", "食品抽检岗", None, "stop"),
            S("S6", "核查处置", "食品安全监管股股长", 10, "sup", "dec"),
            S("S7", "结果公布和归档", "食品抽检岗", 5, "end"),
        ], [("S1", "S2"), ("S2", "S3"), ("S3", "S7", "合格"), ("S3", "S4", "不合格"), ("S4", "S5", "申请复检"),
            ("S4", "S6"), ("S5", "S6"), ("S6", "S7")], incompatible=[("S2", "S6")]),
        inspection("SC-JC-002", "食品生产经营日常监督检查流程", ["JC-002"], head="食品安全监管股股长",
                   inspect="食品抽检岗", recheck="食品经营许可岗", note="复查由审批股派员，检查与复查人员分离。"),
        inspection("SC-JC-003", "特种设备安全监督检查流程", ["JC-003"], head="特种设备股股长", inspect="特种设备检查岗",
                   recheck="特种设备股股长"),
        inspection("SC-JC-004", "价格监督检查流程", ["JC-004"], head="法规股股长", inspect="案件审核岗",
                   recheck="办公室主任"),
        seizure("SC-QZ-001", "查封、扣押特种设备流程", ["QZ-001"], inspect="特种设备检查岗", second="特种设备股股长",
                head="特种设备股股长", decide=fz2),
        seizure("SC-QZ-002", "查封、扣押不符合食品安全标准食品流程", ["QZ-002"], inspect="食品抽检岗",
                second="食品安全监管股股长", head="食品安全监管股股长", decide=fz1),
        penalty("SC-CF-001", "食品安全违法行为行政处罚流程", ["CF-001", "CF-002"], decide=fz1,
                discretion=[{"step": "S10", "attribute": "amount", "min": 50000, "max": 100000, "unit": "元",
                             "note": "货值金额不足一万元"},
                            {"step": "S10", "attribute": "multiple", "min": 10, "max": 20, "unit": "倍",
                             "note": "货值金额一万元以上，按货值金额倍数"}],
                **food),
        penalty("SC-CF-003", "特种设备违法行为行政处罚流程", ["CF-003"], register="特种设备检查岗", approve_case=fz2,
                investigate="特种设备检查岗", review="特种设备股股长", legal="案件审核岗", notify="特种设备检查岗",
                hearing="法规股股长", decide=fz2,
                discretion=[{"step": "S10", "attribute": "amount", "min": 30000, "max": 300000, "unit": "元"}]),
        penalty("SC-CF-004", "明码标价违法行为行政处罚流程", ["CF-004"], decide=fz2,
                discretion=[{"step": "S10", "attribute": "amount", "min": None, "max": 5000, "unit": "元"}], **law),
        penalty("SC-CF-005", "无照经营行政处罚流程", ["CF-005"], decide=fz2,
                discretion=[{"step": "S10", "attribute": "amount", "min": 10000, "max": 100000, "unit": "元",
                             "note": "拒不改正的"}], **law),
        penalty("SC-CF-006", "虚假宣传行政处罚流程", ["CF-006"], decide="局长", mandatory_collective=True,
                discretion=[{"step": "S10", "attribute": "amount", "min": 200000, "max": 2000000, "unit": "元",
                             "note": "情节严重的一百万元以上二百万元以下"}], **law),
        penalty("SC-CF-007", "产品质量违法行为行政处罚流程", ["CF-007"], decide=fz2,
                discretion=[{"step": "S10", "attribute": "multiple", "min": 1, "max": 3, "unit": "倍",
                             "note": "货值金额等值以上三倍以下"}], **law),
        F("SC-JL-001", "食品安全举报奖励流程", ["JL-001"], [
            S("S1", "举报登记", "综合文秘岗", 1, "start", decides="举报人信息严格保密"),
            S("S2", "核查处理", "食品抽检岗", 10, "sup"),
            S("S3", "奖励审核", "食品安全监管股股长", 2, "dec"),
            S("S4", "奖励决定", fz1, 2, "dec"),
            S("S5", "兑付奖金", "会计出纳岗", 2, "end"),
            S("S6", "答复举报人", "综合文秘岗", 1, "end"),
        ], [("S1", "S2"), ("S2", "S3", "查证属实"), ("S2", "S6", "不属实"), ("S3", "S4"), ("S4", "S5")],
          incompatible=[("S2", "S3")], case_days=30),
        collective("SC-ZD-001", "“三重一大”事项集体决策流程", ["ZD-001", "XM-001"], propose="办公室主任",
                   legal="法规股股长", discipline="纪检组长", chair="局长", record="综合文秘岗"),
        approval("SC-ZJ-001", "大额资金使用审批流程", ["ZJ-001"], [
            ("用款申请", "财务股股长", 2), ("预算和合规审核", "会计出纳岗", 2, "sup"),
            ("党组会议集体研究", "局长", 3, "dec", "sup"), ("资金支付", "会计出纳岗", 2),
        ], note="单笔5万元（含）以上。"),
        approval("SC-RS-001", "股级干部选拔任用流程", ["RS-001"], [
            ("动议", "局长", 2), ("民主推荐", "办公室主任", 3, "sup"), ("组织考察", "办公室主任", 5),
            ("征求纪检组意见", "纪检组长", 2, "sup"), ("党组会议讨论决定", "局长", 2, "dec", "sup"),
            ("任前公示", "综合文秘岗", None, "stop"), ("办理任职", "办公室主任", 1),
        ], back=False, note="任前公示期不计入时限。"),
        approval("SC-NB-001", "财务报销和公务接待审批流程", ["NB-001", "NB-004"], [
            ("报销或接待申请", "综合文秘岗", 1), ("票据和标准审核", "会计出纳岗", 2, "sup"),
            ("财务股长审核", "财务股股长", 1, "dec"), ("局长审批", "局长", 1, "dec"), ("支付和归档", "会计出纳岗", 1),
        ], note="公务接待凭公函，逐次填写接待清单后随票据报销。"),
        approval("SC-NB-002", "国有资产处置流程", ["NB-002"], [
            ("处置申请", "会计出纳岗", 2), ("清查核实", "财务股股长", 3, "sup"), ("局长审批", "局长", 2, "dec"),
            ("报财政部门审批", "财务股股长", 10), ("处置和账务处理", "会计出纳岗", 3),
        ]),
        approval("SC-NB-003", "政府采购流程", ["NB-003"], [
            ("采购需求申报", "综合文秘岗", 2), ("预算审核", "会计出纳岗", 2, "sup"), ("采购审批", "局长", 2, "dec"),
            ("组织采购", "综合文秘岗", 15), ("履约验收", "办公室主任", 3, "sup"), ("付款", "会计出纳岗", 3),
        ], incompatible=[("S4", "S5")]),
        approval("SC-NB-004", "办公用品和小额物资采购审批流程", ["NB-005"], [
            ("采购申请", "综合文秘岗", 1), ("办公室审核", "办公室主任", 1, "dec"), ("财务审核", "财务股股长", 1, "sup"),
            ("局长审批", "局长", 1, "dec", "sup"), ("询价采购和验收入库", "综合文秘岗", 5), ("报账付款", "会计出纳岗", 2),
        ], incompatible=[("S3", "S6")], params=SMALL_PURCHASE_PARAMS,
            note="单笔5万元以下；5万元（含）以上的按大额资金使用审批流程办理。同一供应商30日内多笔接近5万元的采购，"
                 "电子监察提示疑似拆分采购。"),
    ]


FLOWCHARTS = {MAJ: _maj_flowcharts(), SJJ: _sjj_flowcharts()}

# ----------------------------------------------------------------------------- the path on record

# (step, department code, person code of the actor, date, note)
MAJ_2025_PATH = [
    ("department_submitted", "BGS", "P1011", dt.date(2025, 1, 10), ""),
    ("department_submitted", "SPK", "P1041", dt.date(2025, 1, 13), ""),
    ("department_submitted", "AJK", "P1031", dt.date(2025, 1, 14), ""),
    ("department_submitted", "FGK", "P1021", dt.date(2025, 1, 14), ""),
    ("department_submitted", "CWK", "P1051", dt.date(2025, 1, 15), ""),
    ("department_submitted", "RSK", "P1061", dt.date(2025, 1, 15), ""),
    ("consolidated", None, "P1021", dt.date(2025, 1, 22), "法规事故处理科汇总审定，合并重复事项2项。"),
    ("decided", None, "P1011", dt.date(2025, 2, 11), "局党组会议（2025年第3次）审议通过"),
    ("filed", None, "P1011", dt.date(2025, 2, 20), "报县委编办、县司法局、县政务公开办备案"),
    ("published", None, "P1011", dt.date(2025, 3, 3), "在局网站和办事大厅公布"),
]
MAJ_2026_PATH = [
    ("copied", None, "P1011", dt.date(2025, 12, 15), "由2025年度职权目录复制，各科室在此基础上清理。"),
    ("department_submitted", "SPK", "P1041", dt.date(2026, 1, 9), "新增煤矿安全生产标准化三级等级确认；撤销原达标考核事项。"),
    ("department_submitted", "AJK", "P1031", dt.date(2026, 1, 12), "新增应急预案备案；关闭验收事项已完成，予以取消。"),
    ("department_submitted", "FGK", "P1021", dt.date(2026, 1, 12), "按《煤矿安全生产条例》更新处罚依据。"),
    ("department_submitted", "BGS", "P1011", dt.date(2026, 1, 13), "举报奖励由安全监察科调整至办公室。"),
    ("department_submitted", "CWK", "P1051", dt.date(2026, 1, 14), ""),
    ("department_submitted", "RSK", "P1061", dt.date(2026, 1, 14), ""),
    ("consolidated", None, "P1021", dt.date(2026, 1, 21), "法规事故处理科汇总审定，厘清举报奖励的权力边界。"),
    ("decided", None, "P1011", dt.date(2026, 2, 5), "局党组会议（2026年第2次）审议通过"),
    ("filed", None, "P1011", dt.date(2026, 2, 13), "报县委编办、县司法局、县政务公开办备案"),
    ("published", None, "P1011", dt.date(2026, 2, 27), "在局网站和办事大厅公布"),
]
SJJ_2026_PATH = [
    ("department_submitted", "SPG", "P2031", dt.date(2026, 9, 15), ""),
    ("department_submitted", "SPAQ", "P2041", dt.date(2026, 9, 16), ""),
    ("department_submitted", "TSSB", "P2051", dt.date(2026, 9, 16), ""),
    ("department_submitted", "FGK", "P2021", dt.date(2026, 9, 18), ""),
    ("department_submitted", "BGS", "P2011", dt.date(2026, 9, 18), ""),
    ("department_submitted", "CWG", "P2061", dt.date(2026, 9, 19), ""),
    ("consolidated", None, "P2021", dt.date(2026, 9, 30), "法规股汇总审定。"),
    ("decided", None, "P2011", dt.date(2026, 10, 28), "局党组会议（2026年第12次）审议通过"),
]

FILED_WITH = "县委编办、县司法局、县政务公开办"


def _catalogue(unit, year, *, based_on=None) -> Catalogue:
    catalogue, _ = Catalogue.objects.get_or_create(unit=unit, year=year, defaults={"based_on": based_on})
    if based_on is not None and catalogue.based_on_id != based_on.pk:
        catalogue.based_on = based_on
        catalogue.save(update_fields=["based_on"])
    return catalogue


def _record_path(catalogue, unit, path) -> int:
    """The catalogue's status and events as the path says, written once."""
    by_step = {step: (date, note) for step, _, _, date, note in path}
    fields = {"status": CatalogueStatus.DRAFTING}
    if "consolidated" in by_step:
        fields["status"] = CatalogueStatus.CONSOLIDATED
    if "decided" in by_step:
        date, note = by_step["decided"]
        fields.update(status=CatalogueStatus.DECIDED, decision_date=date, decision_meeting=note.replace("审议通过", ""))
    if "filed" in by_step:
        fields.update(status=CatalogueStatus.FILED, filed_with=FILED_WITH, filed_date=by_step["filed"][0])
    if "published" in by_step:
        fields.update(status=CatalogueStatus.PUBLISHED, published_date=by_step["published"][0])
    Catalogue.objects.filter(pk=catalogue.pk).update(**fields)
    if catalogue.events.exists():
        return 0
    people = {p.code: p for p in Person.objects.filter(unit=unit).select_related("user")}
    departments = {d.code: d for d in Department.objects.filter(unit=unit)}
    for order, (step, dept, person, date, note) in enumerate(path):
        who = people.get(person)
        if who is not None and who.user_id is None:
            note = "；".join(x for x in [f"经办：{who.name}（{who.title}）", note] if x)
        event = CatalogueEvent.objects.create(
            catalogue=catalogue, step=step, department=departments.get(dept) if dept else None,
            actor=who.user if who is not None else None, note=note,
        )
        at = dt.datetime.combine(date, dt.time(9, 0)) + dt.timedelta(minutes=23 * order)
        CatalogueEvent.objects.filter(pk=event.pk).update(at=timezone.make_aware(at))
    return len(path)


def _powers(catalogue, unit, rows, previous=None) -> int:
    categories = {c.code: c for c in PowerCategory.objects.all()}
    departments = {d.code: d for d in Department.objects.filter(unit=unit)}
    posts = {p.code: p for p in Post.objects.filter(unit=unit)}
    old = {p.code: p for p in previous.powers.all()} if previous is not None else {}
    for order, row in enumerate(rows, start=1):
        category = categories[row["category"]]
        external = (not category.internal) if row["external"] is None else row["external"]
        power, _ = Power.objects.update_or_create(
            catalogue=catalogue, code=row["code"],
            defaults={
                "name": row["name"], "category": category, "content": row["content"],
                "department": departments[row["department"]] if row["department"] else None,
                "conditions": row["conditions"], "statutory_limit_days": row["statutory"],
                "promised_limit_days": row["promised"], "supervision_channels": CHANNELS[unit.code],
                "public_form": row["public"], "external": external, "note": row["note"], "sort_order": order * 10,
                "previous": old.get(row["code"]),
            },
        )
        power.posts.set([posts[c] for c in row["posts"]])
        wanted = [(law, article, text) for law, article, text in row["bases"]]
        have = [(b.law, b.article, b.text) for b in power.legal_bases.all()]
        if have != wanted:
            power.legal_bases.all().delete()
            for index, (law, article, text) in enumerate(wanted):
                LegalBasis.objects.create(power=power, law=law, article=article, text=text, sort_order=index)
    return len(rows)


def _maj_2025_rows():
    rows = []
    for row in MAJ_2026:
        if row["code"] in MAJ_2026_NEW:
            continue
        rows.append({**row, **MAJ_2025_CHANGES.get(row["code"], {})})
    # Withdrawn since: kept in 2025 in their place by category.
    return rows[:5] + [MAJ_2025_ONLY[0]] + rows[5:] + [MAJ_2025_ONLY[1]]


def _import_flowcharts(unit) -> int:
    try:
        from lianfang.flows.serialize import import_flowcharts
    except ImportError:
        print("流程图导入功能尚未就绪（lianfang.flows.serialize.import_flowcharts），跳过演示流程图。")
        return 0
    import copy

    outcome = import_flowcharts(unit, copy.deepcopy(FLOWCHARTS[unit.code]), replace=True, source="演示数据")
    flowcharts = getattr(outcome, "flowcharts", outcome)
    return len(flowcharts) if flowcharts is not None else len(FLOWCHARTS[unit.code])


def load() -> dict:
    maj = Unit.objects.get(code=MAJ)
    sjj = Unit.objects.get(code=SJJ)
    counts = {"catalogues": 0, "powers": 0, "events": 0, "flowcharts": 0}

    maj_2025 = _catalogue(maj, 2025)
    counts["powers"] += _powers(maj_2025, maj, _maj_2025_rows())
    counts["events"] += _record_path(maj_2025, maj, MAJ_2025_PATH)
    maj_2026 = _catalogue(maj, 2026, based_on=maj_2025)
    counts["powers"] += _powers(maj_2026, maj, MAJ_2026, previous=maj_2025)
    counts["events"] += _record_path(maj_2026, maj, MAJ_2026_PATH)

    sjj_2026 = _catalogue(sjj, 2026)
    counts["powers"] += _powers(sjj_2026, sjj, SJJ_2026)
    counts["events"] += _record_path(sjj_2026, sjj, SJJ_2026_PATH)
    counts["catalogues"] = 3

    counts["flowcharts"] += _import_flowcharts(maj)
    counts["flowcharts"] += _import_flowcharts(sjj)
    return counts
