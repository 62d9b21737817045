//! Word lists for the demo book: company and person names in English and
//! Chinese, industries, regions, titles, products and short sentences. Plain
//! data; `demo.rs` composes them. Chinese words carry their pinyin so that
//! keys, e-mail addresses and domains stay ASCII.

/// First part of an English company name.
pub const EN_STEMS: &[&str] = &[
    "Northwind",
    "Bluewater",
    "Ironbridge",
    "Silverline",
    "Redwood",
    "Oakmont",
    "Brightstone",
    "Clearfield",
    "Eastgate",
    "Westbrook",
    "Highland",
    "Summit",
    "Harbor",
    "Granite",
    "Falcon",
    "Meridian",
    "Pioneer",
    "Crescent",
    "Sterling",
    "Atlas",
    "Nordic",
    "Alpine",
    "Cobalt",
    "Vertex",
    "Evergreen",
    "Lakeside",
    "Riverside",
    "Kingsway",
    "Horizon",
    "Beacon",
    "Polaris",
    "Orion",
    "Sapphire",
    "Copperfield",
    "Ashford",
    "Hollis",
    "Brennan",
    "Lindqvist",
    "Vandermeer",
    "Rossi",
];

/// Legal forms with the country calling code used for phone numbers.
pub const EN_SUFFIXES: &[(&str, &str)] = &[
    ("GmbH", "+49"),
    ("AG", "+41"),
    ("Ltd", "+44"),
    ("Inc.", "+1"),
    ("LLC", "+1"),
    ("B.V.", "+31"),
    ("S.A.", "+33"),
    ("S.p.A.", "+39"),
    ("AB", "+46"),
    ("Pty Ltd", "+61"),
    ("K.K.", "+81"),
    ("Pte Ltd", "+65"),
];

/// Chinese brand words (字号) with pinyin.
pub const CN_STEMS: &[(&str, &str)] = &[
    ("恒信", "hengxin"),
    ("宏达", "hongda"),
    ("瑞丰", "ruifeng"),
    ("新源", "xinyuan"),
    ("博远", "boyuan"),
    ("华创", "huachuang"),
    ("金桥", "jinqiao"),
    ("天成", "tiancheng"),
    ("中科", "zhongke"),
    ("鼎盛", "dingsheng"),
    ("永泰", "yongtai"),
    ("嘉禾", "jiahe"),
    ("精工", "jinggong"),
    ("立信", "lixin"),
    ("海川", "haichuan"),
    ("东方", "dongfang"),
    ("盛世", "shengshi"),
    ("锦程", "jincheng"),
    ("卓越", "zhuoyue"),
    ("明阳", "mingyang"),
    ("润达", "runda"),
    ("祥和", "xianghe"),
    ("远航", "yuanhang"),
    ("同创", "tongchuang"),
    ("百川", "baichuan"),
    ("凯瑞", "kairui"),
    ("汇通", "huitong"),
    ("国泰", "guotai"),
];

/// Places with pinyin and the sales region they belong to.
pub const CN_PLACES: &[(&str, &str, &str)] = &[
    ("华东", "huadong", "east"),
    ("上海", "shanghai", "east"),
    ("苏州", "suzhou", "east"),
    ("宁波", "ningbo", "east"),
    ("杭州", "hangzhou", "east"),
    ("无锡", "wuxi", "east"),
    ("华南", "huanan", "south"),
    ("深圳", "shenzhen", "south"),
    ("东莞", "dongguan", "south"),
    ("广州", "guangzhou", "south"),
    ("佛山", "foshan", "south"),
    ("华北", "huabei", "north"),
    ("北京", "beijing", "north"),
    ("天津", "tianjin", "north"),
    ("青岛", "qingdao", "north"),
    ("西部", "xibu", "west"),
    ("成都", "chengdu", "west"),
    ("重庆", "chongqing", "west"),
    ("西安", "xian", "west"),
    ("华中", "huazhong", "central"),
    ("武汉", "wuhan", "central"),
    ("长沙", "changsha", "central"),
    ("郑州", "zhengzhou", "central"),
];

/// Chinese legal forms.
pub const CN_SUFFIXES: &[&str] = &["有限公司", "股份有限公司", "集团有限公司", "科技有限公司"];

/// An industry: stored label, English business word, Chinese business word
/// with pinyin, and products sold to it (English, Chinese).
pub struct Industry {
    pub label: &'static str,
    pub en_word: &'static str,
    pub cn_word: (&'static str, &'static str),
    pub products: &'static [(&'static str, &'static str)],
}

pub const INDUSTRIES: &[Industry] = &[
    Industry {
        label: "machinery",
        en_word: "Precision Machinery",
        cn_word: ("精密机械", "jingmijixie"),
        products: &[
            ("spindle units", "主轴单元"),
            ("linear guides", "直线导轨"),
            ("servo drives", "伺服驱动器"),
            ("spare parts kit", "备件包"),
        ],
    },
    Industry {
        label: "electronics",
        en_word: "Electronics",
        cn_word: ("电子", "dianzi"),
        products: &[
            ("sensor modules", "传感器模组"),
            ("PCB assemblies", "电路板组件"),
            ("power supplies", "电源模块"),
            ("connectors", "连接器"),
        ],
    },
    Industry {
        label: "automotive",
        en_word: "Automotive Components",
        cn_word: ("汽车零部件", "qichelingbujian"),
        products: &[
            ("brake assemblies", "制动总成"),
            ("wiring harnesses", "线束"),
            ("injection-moulded parts", "注塑件"),
            ("test rigs", "测试台架"),
        ],
    },
    Industry {
        label: "chemicals",
        en_word: "Chemicals",
        cn_word: ("化工", "huagong"),
        products: &[
            ("resin", "树脂"),
            ("industrial coatings", "工业涂料"),
            ("solvents", "溶剂"),
            ("additives", "添加剂"),
        ],
    },
    Industry {
        label: "logistics",
        en_word: "Logistics",
        cn_word: ("物流", "wuliu"),
        products: &[
            ("warehouse racking", "仓储货架"),
            ("handheld scanners", "手持扫描终端"),
            ("fleet telematics", "车队管理系统"),
            ("pallet wrapping film", "缠绕膜"),
        ],
    },
    Industry {
        label: "food",
        en_word: "Foods",
        cn_word: ("食品", "shipin"),
        products: &[
            ("packaging film", "包装膜"),
            ("filling line service", "灌装线维保"),
            ("food-grade lubricants", "食品级润滑剂"),
            ("labels", "标签"),
        ],
    },
    Industry {
        label: "pharma",
        en_word: "Pharma",
        cn_word: ("医药", "yiyao"),
        products: &[
            ("cleanroom consumables", "洁净室耗材"),
            ("lab instruments", "实验室仪器"),
            ("validation service", "验证服务"),
            ("glass vials", "西林瓶"),
        ],
    },
    Industry {
        label: "energy",
        en_word: "Energy Systems",
        cn_word: ("新能源", "xinnengyuan"),
        products: &[
            ("inverters", "逆变器"),
            ("battery racks", "电池架"),
            ("cable trays", "桥架"),
            ("monitoring software", "监控软件"),
        ],
    },
    Industry {
        label: "construction",
        en_word: "Building Materials",
        cn_word: ("建材", "jiancai"),
        products: &[
            ("fasteners", "紧固件"),
            ("sealants", "密封胶"),
            ("steel profiles", "型钢"),
            ("site tools", "施工工具"),
        ],
    },
    Industry {
        label: "medical",
        en_word: "Medical Devices",
        cn_word: ("医疗器械", "yiliaoqixie"),
        products: &[
            ("sterile packaging", "无菌包装"),
            ("micro motors", "微型电机"),
            ("calibration service", "校准服务"),
            ("tubing", "医用导管"),
        ],
    },
    Industry {
        label: "textiles",
        en_word: "Textiles",
        cn_word: ("纺织", "fangzhi"),
        products: &[
            ("dyes", "染料"),
            ("loom spare parts", "织机备件"),
            ("technical yarn", "功能纱线"),
            ("finishing agents", "整理剂"),
        ],
    },
    Industry {
        label: "retail",
        en_word: "Retail Supply",
        cn_word: ("商贸", "shangmao"),
        products: &[
            ("POS terminals", "收银终端"),
            ("shelving", "货架"),
            ("private-label goods", "自有品牌商品"),
            ("display units", "陈列道具"),
        ],
    },
];

/// Given names and family names for contacts.
pub const EN_FIRST: &[&str] = &[
    "Anna", "Ben", "Clara", "David", "Elena", "Frank", "Grace", "Hugo", "Ingrid", "James", "Karin",
    "Lukas", "Maria", "Noah", "Olivia", "Peter", "Rachel", "Stefan", "Sofia", "Thomas", "Ulrike",
    "Victor", "Wendy", "Yusuf",
];
pub const EN_LAST: &[&str] = &[
    "Schmidt",
    "Brown",
    "Jansen",
    "Rossi",
    "Dubois",
    "Keller",
    "Nakamura",
    "Andersson",
    "Walsh",
    "Müller",
    "Novak",
    "Tan",
    "Fischer",
    "García",
    "Okafor",
    "Lindberg",
    "Moreau",
    "Patel",
    "Wagner",
    "Costa",
];
pub const CN_FAMILY: &[(&str, &str)] = &[
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("林", "lin"),
];
pub const CN_GIVEN: &[(&str, &str)] = &[
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("磊", "lei"),
    ("强", "qiang"),
    ("洋", "yang"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("建华", "jianhua"),
    ("晓明", "xiaoming"),
    ("志强", "zhiqiang"),
    ("海燕", "haiyan"),
    ("国栋", "guodong"),
    ("丽娟", "lijuan"),
    ("文博", "wenbo"),
    ("婷婷", "tingting"),
];

/// Account managers (OS logins). The demo takes five of these plus the
/// user running it.
pub const MANAGERS: &[&str] = &[
    "lchen", "jsmith", "mzhang", "akumar", "swu", "tmueller", "hli",
];

/// Job titles per decision-chain role (English, Chinese), indexed like
/// `ContactRole::ALL`.
pub const TITLES: &[&[(&str, &str)]] = &[
    // executive
    &[
        ("Managing Director", "总经理"),
        ("CEO", "董事长"),
        ("VP Operations", "副总经理"),
    ],
    // business
    &[
        ("Head of Production", "生产部部长"),
        ("Operations Manager", "运营总监"),
        ("Product Manager", "产品经理"),
    ],
    // procurement
    &[
        ("Purchasing Manager", "采购经理"),
        ("Strategic Buyer", "采购主管"),
        ("Supply Chain Lead", "供应链总监"),
    ],
    // technical
    &[
        ("R&D Director", "技术总监"),
        ("Process Engineer", "工艺工程师"),
        ("Quality Manager", "质量经理"),
    ],
    // finance
    &[("CFO", "财务总监"), ("Accounts Payable Lead", "财务经理")],
    // user
    &[
        ("Plant Supervisor", "车间主任"),
        ("Maintenance Lead", "设备主管"),
    ],
    // other
    &[("Assistant", "助理"), ("Admin Officer", "行政专员")],
];

/// Account tags (kebab-case English plus a few Chinese labels in use on
/// real teams).
pub const TAGS: &[&str] = &[
    "framework-contract",
    "export",
    "tender",
    "iso9001",
    "distributor",
    "oem",
    "multi-site",
    "referral",
    "trade-fair",
    "price-sensitive",
    "pilot",
    "重点跟进",
    "国企",
    "上市公司",
];

/// Competitors named in profiles and notes.
pub const COMPETITORS: &[&str] = &[
    "Kraftwerk Industrial",
    "Apex Supply",
    "Sunrise Trading",
    "宏图工业",
    "三和精密",
    "Dalton & Reed",
    "中联供应链",
];

/// Short summaries per interaction kind: (English, Chinese). `{p}` is a
/// product, `{n}` a number, `{c}` a competitor.
pub const CALLS: &[(&str, &str)] = &[
    (
        "Call with buyer about Q{q} forecast",
        "与采购电话沟通第{q}季度预测",
    ),
    ("Checked delivery schedule for {p}", "电话确认{p}交货计划"),
    (
        "Price discussion for {p}; they quoted {c}",
        "电话讨论{p}价格，对方提到{c}报价",
    ),
    ("Follow-up call on open quotation Q-{n}", "跟进报价单 Q-{n}"),
];
pub const EMAILS: &[(&str, &str)] = &[
    ("Sent quotation Q-{n} for {p}", "发送{p}报价单 Q-{n}"),
    (
        "Shared datasheet and lead times for {p}",
        "发送{p}技术资料及交期",
    ),
    (
        "Confirmed order details and delivery address",
        "邮件确认订单明细与收货地址",
    ),
    ("Sent quarterly value report", "发送季度价值报告"),
];
pub const VISITS: &[(&str, &str)] = &[
    (
        "Site visit: plant tour, met production team",
        "拜访工厂，与生产团队交流",
    ),
    (
        "Visit with technical team, trial of {p}",
        "技术拜访，{p}试用",
    ),
    ("Quarterly business review on site", "现场季度业务回顾"),
    (
        "Visited new line; demand for {p} next year",
        "参观新产线，明年有{p}需求",
    ),
];
pub const MEETINGS: &[(&str, &str)] = &[
    (
        "Executive meeting: long-term partnership",
        "高层会谈：长期合作规划",
    ),
    ("Annual contract negotiation", "年度框架协议谈判"),
    ("Joint planning workshop for {p}", "{p}联合规划会"),
    (
        "Review of service level and open issues",
        "服务水平及遗留问题回顾会",
    ),
];
pub const NOTES: &[(&str, &str)] = &[
    (
        "New purchasing manager starts next month",
        "下月新采购经理到任",
    ),
    (
        "{c} offered lower prices; watch closely",
        "{c}报低价，需密切关注",
    ),
    ("Budget for next year approved", "明年预算已批"),
    ("Customer plans second plant", "客户计划建设二期工厂"),
];
pub const COMPLAINTS: &[(&str, &str)] = &[
    ("Late delivery of {p}, batch {n}", "{p}第{n}批交货延迟"),
    (
        "Quality issue: {p} out of tolerance",
        "质量问题：{p}尺寸超差",
    ),
    ("Invoice {n} does not match order", "发票{n}与订单不符"),
    ("Damaged packaging on arrival ({p})", "{p}到货包装破损"),
];
pub const RESOLUTIONS: &[(&str, &str)] = &[
    (
        "Replacement shipped, credit note issued",
        "已补发并开具红字发票",
    ),
    (
        "Root cause found, corrective action agreed",
        "已查明原因，确定整改措施",
    ),
    ("Corrected invoice sent", "已重开发票"),
    ("Expedited delivery arranged", "已安排加急发货"),
];
pub const SURVEYS: &[(&str, &str)] = &[
    ("Annual satisfaction survey", "年度满意度调查"),
    ("Post-delivery survey", "交付后满意度回访"),
];
pub const FOLLOWUPS: &[(&str, &str)] = &[
    ("Send renewal offer", "发送续约报价"),
    ("Call about overdue invoice", "催收逾期货款"),
    ("Prepare quarterly review", "准备季度回顾材料"),
    ("Introduce new technical contact", "引荐新的技术对接人"),
    ("Check trial results for new product", "跟进新品试用结果"),
];

/// Profile sentences. English and Chinese versions of each section;
/// `{y}` a year, `{s}` staff count, `{c}` a competitor, `{p}` a product,
/// `{t}` a place.
pub const BACKGROUND: (&[&str], &[&str]) = (
    &[
        "Family-owned, founded in {y}, about {s} staff.",
        "Subsidiary of a listed group since {y}; {s} employees in three plants.",
        "Founded in {y}; grew through acquisitions, {s} staff today.",
    ],
    &[
        "成立于{y}年的民营企业，员工约{s}人。",
        "{y}年改制，现为上市集团子公司，员工{s}人。",
        "{y}年成立，总部位于{t}，员工约{s}人。",
    ],
);
pub const FINANCE: (&[&str], &[&str]) = (
    &[
        "Solid balance sheet; pays by bank transfer, 45 days net.",
        "Tight cash flow this year; asks for longer payment terms.",
    ],
    &["财务状况良好，月结45天。", "今年现金流偏紧，要求延长账期。"],
);
pub const ORGANISATION: (&[&str], &[&str]) = (
    &[
        "Purchasing negotiates price; the plant manager decides on technical fit; the MD signs contracts above 200k.",
        "Central procurement in HQ, local plants place call-off orders.",
        "Owner decides everything above 50k; the technical lead is our sponsor.",
    ],
    &[
        "采购负责价格谈判，厂长决定技术选型，20万以上合同由总经理审批。",
        "总部集中采购，各工厂按计划下单。",
        "5万以上由老板拍板，技术总监是我们的支持者。",
    ],
);
pub const COMPETITOR_NOTES: (&[&str], &[&str]) = (
    &[
        "{c} is the second source, about 30% share.",
        "{c} tries to enter with low prices.",
        "Single-sourced with us since {y}.",
    ],
    &[
        "{c}为第二供应商，约占30%份额。",
        "{c}以低价切入。",
        "自{y}年起由我方独家供货。",
    ],
);
pub const SUPPLIERS: (&[&str], &[&str]) = (
    &["Buys raw material from two local mills."],
    &["原材料来自两家本地供应商。"],
);
pub const DOWNSTREAM: (&[&str], &[&str]) = (
    &[
        "Sells mainly to European OEMs; demand follows car production.",
        "Customers are regional distributors.",
    ],
    &[
        "下游主要为整车厂，需求随产量波动。",
        "客户以区域经销商为主。",
    ],
);
pub const PLANS: (&[&str], &[&str]) = (
    &[
        "Short term: cut cost 5%. Mid term: new line in {t}. Long term: export growth.",
        "Plans a second plant within two years.",
        "Consolidating suppliers next year.",
    ],
    &[
        "短期降本5%，中期在{t}新建产线，长期拓展出口。",
        "计划两年内建设二期工厂。",
        "明年将整合供应商。",
    ],
);
pub const NEEDS: (&[&str], &[&str]) = (
    &[
        "Explicit: shorter lead times for {p}. Hidden: wants a technical partner, not a vendor.",
        "Explicit: price. Hidden: fewer quality escapes on the line.",
        "Needs local stock and 24 h service response.",
    ],
    &[
        "显性需求：缩短{p}交期；隐性需求：希望有技术合作伙伴。",
        "显性需求是价格，隐性需求是减少产线质量问题。",
        "需要本地库存和24小时服务响应。",
    ],
);
