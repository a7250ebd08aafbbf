"""Reference data for the demo's project library: the projects DH24 四(一) names, and the parts the
builder combines into realistic invented names, owners and texts. Place names are real roads and areas of
Nanchang; companies are invented; no person is named here."""

# DH24 三: 90 projects (not counting 134 in early planning), 67.6亿元 planned for the year.
PLANNED_PROJECTS = 90
EARLY_PLANNING = 134
PLANNED_INVESTMENT = 676000  # 万元
COMPLETED_LAST_YEAR = 6  # in the 竣工库 from last year's plan, so every stage has projects
REPLACEMENTS = 2  # projects taken out of the plan during the year and replaced by as many added

CATEGORY_ORDER = ("industry", "urban_construction", "urban_management", "livelihood")
# How the 90 split over the four categories of DH24 (the notice gives no split; invented, plausible).
CATEGORY_SHARE = {"industry": 22, "urban_construction": 30, "urban_management": 18, "livelihood": 20}
# How the implemented projects split over the plan types (of 90).
PLAN_TYPE_SHARE = {"new_start": 32, "continuing": 43, "completion": 15}
# The stages of the 134 early-planning projects.
EARLY_STAGE_SHARE = {
    "planning": 34,
    "negotiating": 20,
    "signed": 18,
    "registered": 12,
    "landed": 14,
    "preparation": 36,
}

# The projects DH24 四(一) names: (name, category, sector, plan type, tags, responsible unit, weight).
# "{year}" is the plan's year. Weight scales the share of the year's planned investment.
NOTICE_PROJECTS = [
    ("市图书馆新建项目", "livelihood", "social", "new_start", ["省重点", "市重点"], "区文广新旅局", 3.0),
    ("原省图书馆地块项目", "urban_construction", "real_estate", "new_start", ["市重点"], "区城投集团", 3.0),
    (
        "南昌0728项目",
        "urban_construction",
        "real_estate",
        "completion",
        ["省重点", "市重点"],
        "区城投集团",
        3.0,
    ),
    ("育新学校教育集团紫金校区", "livelihood", "social", "completion", ["市重点"], "区教体局", 2.0),
    ("慧铭广场", "industry", "service", "continuing", ["区重点", "两行动方案"], "区商务局", 2.5),
    ("国贸璟上", "urban_construction", "real_estate", "continuing", ["区重点"], "区住建局", 2.5),
    ("悦上鹭鸣", "urban_construction", "real_estate", "continuing", ["区重点"], "区住建局", 2.0),
    (
        "东湖区医疗和公共卫生能力提升工程",
        "livelihood",
        "social",
        "continuing",
        ["市重点", "三看"],
        "区卫健委",
        2.0,
    ),
    ("七里滨江", "urban_construction", "real_estate", "continuing", ["区重点"], "区住建局", 1.5),
    ("东湖区数字经济产业园", "industry", "service", "continuing", ["市重点", "8+1产业链"], "区科工信局", 2.0),
    (
        "{year}年东湖区老旧小区改造项目",
        "urban_management",
        "infrastructure",
        "new_start",
        ["区重点"],
        "区住建局",
        1.5,
    ),
    ("东湖区城中村改造项目", "urban_management", "infrastructure", "new_start", ["区重点"], "区住建局", 2.0),
    ("{year}年东湖区校舍工程", "livelihood", "social", "new_start", ["区重点"], "区教体局", 1.0),
    (
        "东湖区安置房建设项目",
        "urban_construction",
        "infrastructure",
        "new_start",
        ["区重点"],
        "区城投集团",
        2.0,
    ),
]
# DH24 四(一) "攻坚 … 复工复产": these two stood still and are pushed to resume.
STALLED = ("七里滨江", "东湖区数字经济产业园")

# The level tags the demo uses, as migration 0002 seeds them (a flushed test database may lack them):
# name → (must be listed in the annual plan, source).
TAGS = {
    "省重点": (True, "ETDZ19 四"),
    "市重点": (True, "ETDZ19 四"),
    "区重点": (False, "DH24 三"),
    "两行动方案": (True, "ETDZ19 四"),
    "三看": (True, "ETDZ19 四"),
    "三个一百": (False, "REQ B1"),
    "8+1产业链": (False, "REQ B1"),
    "500强": (False, "REQ B1"),
}

# Roads and areas of each district, for names and addresses.
PLACES = {
    "360102": [
        "八一大道",
        "阳明路",
        "胜利路",
        "中山路",
        "象山北路",
        "叠山路",
        "永叔路",
        "船山路",
        "北京西路",
        "民德路",
        "孺子路",
        "苏圃路",
        "子固路",
        "福州路",
        "青山路",
        "豫章路",
        "沿江北大道",
        "贤士湖",
        "扬子洲",
        "青山湖西岸",
        "董家窑",
        "墩子塘",
        "彭家桥",
        "百花洲",
        "滕王阁",
        "佑民寺",
        "八一广场",
        "湖滨北路",
    ],
    "360103": [
        "朝阳新城",
        "桃花",
        "抚河",
        "孺子亭",
        "丁公路",
        "系马桩",
        "南浦",
        "绳金塔",
        "广润门",
        "朝阳洲",
    ],
    "360104": ["洪都", "京山", "岱山", "施尧", "三店", "青云谱", "徐家坊", "迎宾大道", "昌南大道"],
    "360111": ["艾溪湖", "湖坊", "塘山", "京东", "罗家", "昌东", "高新大道", "南京东路", "上海北路"],
    "360112": ["长堎", "望城", "生米", "西山", "石埠", "乐化", "溪霞", "九龙湖", "铁河"],
    "360113": ["红角洲", "凤凰洲", "九龙湖", "卫东", "丰和", "赣江新区", "红谷中大道", "庐山南大道"],
}

# Where each district lies (longitude, latitude; WGS-84), for map points around it.
CENTRES = {
    "360102": (115.90, 28.68),
    "360103": (115.88, 28.65),
    "360104": (115.92, 28.62),
    "360111": (115.96, 28.69),
    "360112": (115.81, 28.69),
    "360113": (115.84, 28.70),
}

FACILITIES = {
    "industry": [
        ("数字经济产业园", "service"),
        ("科创中心", "service"),
        ("总部经济大楼", "service"),
        ("商业综合体", "service"),
        ("智慧物流中心", "service"),
        ("文化创意产业园", "service"),
        ("VR产业基地", "industrial"),
        ("金融商务中心", "service"),
        ("电子信息产业园", "industrial"),
        ("新消费商业街区", "service"),
        ("酒店及写字楼", "service"),
        ("大数据中心", "industrial"),
        ("人力资源服务产业园", "service"),
        ("生物医药研发中心", "industrial"),
        ("直播电商基地", "service"),
        ("智能制造产业园", "industrial"),
    ],
    "urban_construction": [
        ("道路新建工程", "infrastructure"),
        ("片区城市更新项目", "infrastructure"),
        ("安置房项目", "infrastructure"),
        ("地下综合管廊工程", "infrastructure"),
        ("公共停车场", "infrastructure"),
        ("桥梁改造工程", "infrastructure"),
        ("地块商住项目", "real_estate"),
        ("棚户区改造项目", "infrastructure"),
        ("璟园", "real_estate"),
        ("滨江府", "real_estate"),
        ("学府项目", "real_estate"),
        ("公馆", "real_estate"),
        ("壹号院", "real_estate"),
        ("云著", "real_estate"),
        ("立交改造工程", "infrastructure"),
        ("滨水景观带建设", "infrastructure"),
    ],
    "urban_management": [
        ("老旧小区改造", "infrastructure"),
        ("雨污分流改造工程", "infrastructure"),
        ("背街小巷整治", "infrastructure"),
        ("城中村改造", "infrastructure"),
        ("海绵城市建设", "infrastructure"),
        ("排水管网提升改造", "infrastructure"),
        ("垃圾转运站", "infrastructure"),
        ("口袋公园建设", "infrastructure"),
        ("内涝治理工程", "infrastructure"),
        ("绿道建设", "infrastructure"),
        ("智慧城管提升工程", "infrastructure"),
        ("公厕新建及改造", "infrastructure"),
        ("沿街立面改造工程", "infrastructure"),
    ],
    "livelihood": [
        ("小学新建工程", "social"),
        ("幼儿园", "social"),
        ("社区卫生服务中心", "social"),
        ("养老服务中心", "social"),
        ("体育公园", "social"),
        ("文化馆改造", "social"),
        ("农贸市场改造", "social"),
        ("医院改扩建工程", "social"),
        ("便民服务中心", "social"),
        ("托育服务中心", "social"),
        ("人才公寓", "social"),
        ("中学扩建工程", "social"),
        ("全民健身中心", "social"),
        ("社区食堂", "social"),
    ],
}
PHASES = ["", "（二期）", "（三期）", "（四期）", "（五期）"]

# Responsible and supervising units by category (unit short names every demo district has).
RESPONSIBLE = {
    "industry": ["区商务局", "区科工信局", "区发改委"],
    "urban_construction": ["区住建局", "区城投集团", "区国资运营公司"],
    "urban_management": ["区城管执法局", "区住建局"],
    "livelihood": ["区教体局", "区卫健委", "区民政局", "区文广新旅局", "区人社局"],
}
# A 民生 project's department follows what it builds.
LIVELIHOOD_UNITS = {
    "学": "区教体局",
    "幼儿园": "区教体局",
    "体育": "区教体局",
    "健身": "区教体局",
    "医院": "区卫健委",
    "卫生": "区卫健委",
    "托育": "区卫健委",
    "养老": "区民政局",
    "食堂": "区民政局",
    "便民": "区民政局",
    "文化": "区文广新旅局",
    "图书馆": "区文广新旅局",
    "人才": "区人社局",
    "农贸": "区商务局",
}
SUPERVISING = {
    "industry": "区发改委",
    "urban_construction": "区住建局",
    "urban_management": "区城管执法局",
    "livelihood": None,  # the responsible department supervises its own projects
}
INVESTMENT_BUREAU = "区商务局"  # 招商部门 (ETDZ19 四(五))
ECONOMIC_BUREAU = "区科工信局"  # 经发部门

# National investment project code parts: industry department code and project type (审批/核准/备案).
CODE_DEPARTMENTS = {
    "industry": ["65", "72", "39"],
    "urban_construction": ["70", "48"],
    "urban_management": ["78", "48"],
    "livelihood": ["83", "84", "88", "85"],
}

FUNDING = {
    "industry": [("enterprise", 0.6), ("bank_loan", 0.4)],
    "real_estate": [("enterprise", 0.5), ("bank_loan", 0.5)],
    "infrastructure": [("platform", 0.4), ("special_bond", 0.4), ("bank_loan", 0.2)],
    "urban_management": [("fiscal", 0.3), ("special_bond", 0.4), ("central_budget", 0.3)],
    "livelihood": [("fiscal", 0.4), ("central_budget", 0.3), ("ultra_long_bond", 0.3)],
}

COMPANY_WORDS = [
    "赣鄱",
    "洪城",
    "豫章",
    "滕阁",
    "湖畔",
    "赣江",
    "红谷",
    "青山",
    "章江",
    "瑶湖",
    "梅岭",
    "西山",
]
COMPANY_KINDS = {
    "industrial": ["科技有限公司", "数字科技有限公司", "智能装备有限公司", "电子有限公司"],
    "service": ["商业管理有限公司", "实业有限公司", "产业投资有限公司", "文化发展有限公司"],
    "real_estate": ["置业有限公司", "房地产开发有限公司"],
}

CONTENT = {
    "industry": "总建筑面积约{area}万平方米，建设{facility}及配套设施，引进{firms}家企业入驻。",
    "urban_construction": "占地约{land}亩，总建筑面积约{area}万平方米，建设{facility}及配套道路、管网。",
    "urban_management": "实施{facility}，涉及{count}个小区（片区）、约{households}户，改造管网约{km}公里。",
    "works": "建设{facility}，全长约{km}公里，配套排水、照明、绿化等设施。",
    "livelihood": "总建筑面积约{small_area}万平方米，建设{facility}，新增{seats}个服务位（学位、床位）。",
}

IMAGE_PROGRESS = {
    "planning": ["正在开展项目策划和选址", "已形成项目建议书初稿"],
    "negotiating": ["与意向企业开展第二轮洽谈", "正在对接投资协议条款"],
    "signed": ["已签订投资协议，正在办理公司注册", "投资协议已签订"],
    "registered": ["项目公司已注册，正在办理用地手续", "已完成工商注册"],
    "landed": ["项目用地已摘牌，正在开展方案设计", "已取得不动产权证"],
    "preparation": ["正在办理施工许可证", "已完成初步设计及概算批复", "正在开展施工招标"],
    "started": ["已举行开工仪式，正在进行场地平整", "正在进行桩基施工"],
    "construction": ["主体结构施工至第{floor}层", "正在进行地下室施工", "主体结构已封顶，正在进行装饰装修"],
    "completed": ["已完成竣工验收", "已完成竣工验收备案"],
    "producing": ["已投入运营", "已投产，正在释放产能"],
}

# Works that are not buildings (roads, pipes, parks) progress by quantity, not by floors.
IMAGE_PROGRESS_WORKS = [
    "已完成工程量的{pct}%",
    "正在进行管网铺设",
    "正在进行路面施工",
    "正在进行绿化及附属设施施工",
]

ANNUAL_CONTENT = {
    "new_start": "{year}年{month}月开工建设，年内完成基础及主体施工。",
    "continuing": "年内完成主体结构施工及部分装饰装修。",
    "completion": "{year}年{month}月完成竣工验收并交付使用。",
    "preparation": "完成可研、初步设计等前期手续，力争{next}年开工。",
    "reserve": "开展项目谋划、招商对接和洽谈签约。",
}

DECIDERS = ["区重大重点项目推进工作领导小组第{n}次会议", "区政府第{n}次常务会议"]
REMOVE_REASON = "受征收拆迁影响，年内不具备开工条件，调出年度计划，转入前期储备。"
ADD_REASON = "前期手续已办结，具备开工条件，经研究增补列入年度计划。"
