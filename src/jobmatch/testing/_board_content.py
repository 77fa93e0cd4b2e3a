"""Generated posting text for the fake board: several occupations, so a ranker has real differences to find."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Occupation:
    """The vocabulary one kind of job is written in."""

    key: str
    titles: tuple[str, ...]
    job_function: str
    industries: tuple[str, ...]
    companies: tuple[str, ...]
    mission: tuple[str, ...]
    duties: tuple[str, ...]
    requirements: tuple[str, ...]
    skills: tuple[str, ...]
    extras: tuple[str, ...]


OCCUPATIONS: tuple[Occupation, ...] = (
    Occupation(
        key="data_science",
        titles=(
            "Data Scientist",
            "Senior Data Scientist",
            "Machine Learning Engineer",
            "Data Analyst",
            "Applied Scientist, Forecasting",
            "Junior Data Scientist",
        ),
        job_function="Engineering and Information Technology",
        industries=("Software Development", "Financial Services", "Retail"),
        companies=("Brightline Analytics", "Northwind Data Co.", "Quantia Labs", "Harper & Lowe Insights"),
        mission=(
            "turn messy operational data into forecasts and decisions our customers can trust",
            "build the models behind pricing, demand planning and fraud detection for thousands of stores",
        ),
        duties=(
            "Build, validate and ship statistical and machine learning models for forecasting and classification",
            "Design A/B tests with product managers and explain the results to non-technical stakeholders",
            "Write production-quality Python and SQL, and review the code of other data scientists",
            "Own feature pipelines in Spark and dbt from raw events to model-ready tables",
            "Monitor model drift and retrain models when the data or the business changes",
            "Partner with data engineers to make training data reliable, documented and reproducible",
            "Turn exploratory analysis into dashboards that teams actually use every week",
            "Evaluate large language models and embeddings for search and recommendation features",
        ),
        requirements=(
            "3+ years of experience applying machine learning or statistics to business problems",
            "Strong Python skills, including pandas, NumPy and scikit-learn",
            "Advanced SQL and experience with a cloud data warehouse such as BigQuery or Snowflake",
            "Solid grounding in probability, regression, experimental design and causal inference",
            "Experience deploying models behind an API or in batch jobs, with monitoring",
            "A degree in statistics, computer science, mathematics or a related quantitative field",
        ),
        skills=(
            "Python",
            "SQL",
            "PyTorch",
            "scikit-learn",
            "Spark",
            "dbt",
            "Airflow",
            "Tableau",
            "statistics",
            "time series forecasting",
            "A/B testing",
            "MLOps",
        ),
        extras=(
            "Experience with recommendation systems or NLP",
            "Published research or Kaggle competition results",
            "Familiarity with MLflow, Kubernetes or Vertex AI",
        ),
    ),
    Occupation(
        key="software",
        titles=(
            "Software Engineer",
            "Senior Backend Engineer",
            "Full Stack Developer",
            "Staff Software Engineer",
            "Frontend Engineer (React)",
            "Site Reliability Engineer",
        ),
        job_function="Engineering and Information Technology",
        industries=("Software Development", "IT Services and IT Consulting", "Technology, Information and Internet"),
        companies=("Copperleaf Systems", "Stackwise", "Meridian Cloud", "Pike & Sons Software"),
        mission=(
            "build the developer platform that thousands of engineering teams deploy on every day",
            "make payments and invoicing simple for small businesses across North America",
        ),
        duties=(
            "Design, build and operate services in Go, Java or Python that handle millions of requests a day",
            "Write clean, tested code and take part in thoughtful code reviews",
            "Own features end to end, from design documents to production rollout and on-call support",
            "Improve performance, reliability and observability of distributed systems",
            "Build responsive user interfaces in TypeScript and React with accessibility in mind",
            "Automate infrastructure with Terraform and Kubernetes, and keep CI/CD pipelines fast",
            "Mentor other engineers and help set technical direction for the team",
            "Work with product and design to break large problems into small, shippable increments",
        ),
        requirements=(
            "4+ years of professional software development experience",
            "Fluency in at least one of Go, Java, Python or TypeScript",
            "Experience designing REST or gRPC APIs and relational data models in PostgreSQL",
            "Hands-on experience with AWS, GCP or Azure and containerized deployments",
            "A habit of writing automated tests and caring about maintainability",
            "Clear written communication, especially in design documents and incident reviews",
        ),
        skills=(
            "Go",
            "Java",
            "Python",
            "TypeScript",
            "React",
            "PostgreSQL",
            "Kubernetes",
            "Docker",
            "Terraform",
            "AWS",
            "gRPC",
            "distributed systems",
            "CI/CD",
        ),
        extras=(
            "Open source contributions",
            "Experience with event streaming such as Kafka",
            "Background in security engineering or payments",
        ),
    ),
    Occupation(
        key="nursing",
        titles=(
            "Registered Nurse - Medical Surgical",
            "ICU Registered Nurse",
            "Charge Nurse, Emergency Department",
            "Licensed Practical Nurse",
            "Pediatric Nurse Practitioner",
            "Travel RN - Telemetry",
        ),
        job_function="Health Care Provider",
        industries=("Hospitals and Health Care", "Medical Practices"),
        companies=(
            "St. Brigid Medical Center",
            "Lakeview Community Hospital",
            "Cedar Valley Health",
            "Mercy & Hope Clinics",
        ),
        mission=(
            "deliver compassionate, evidence-based care to every patient and family in our community",
            "serve a growing region with a 400-bed teaching hospital and a network of outpatient clinics",
        ),
        duties=(
            "Assess, plan, implement and evaluate nursing care for an assigned group of patients",
            "Administer medications and treatments safely and document care accurately in Epic",
            "Monitor vital signs, telemetry and lab results, and escalate changes in patient condition",
            "Educate patients and families about diagnoses, medications and discharge plans",
            "Collaborate with physicians, therapists, pharmacists and case managers on care plans",
            "Respond to rapid response and code situations according to hospital protocol",
            "Precept new graduate nurses and students during clinical rotations",
            "Follow infection prevention practices and patient safety standards at all times",
        ),
        requirements=(
            "Current, unrestricted Registered Nurse license in the state of practice",
            "BLS certification required; ACLS and PALS preferred depending on unit",
            "Associate or Bachelor of Science in Nursing (BSN preferred)",
            "At least one year of acute care nursing experience",
            "Ability to work twelve-hour shifts, including nights, weekends and holidays",
            "Strong clinical judgment, communication and time management skills",
        ),
        skills=(
            "patient assessment",
            "medication administration",
            "Epic EHR",
            "telemetry monitoring",
            "BLS",
            "ACLS",
            "wound care",
            "IV therapy",
            "patient education",
            "care planning",
        ),
        extras=(
            "Specialty certification such as CCRN or CEN",
            "Bilingual in English and Spanish",
            "Experience with Magnet-designated hospitals",
        ),
    ),
    Occupation(
        key="sales",
        titles=(
            "Account Executive",
            "Senior Account Executive, Mid-Market",
            "Sales Development Representative",
            "Regional Sales Manager",
            "Enterprise Account Manager",
            "Inside Sales Representative",
        ),
        job_function="Sales and Business Development",
        industries=("Software Development", "Wholesale", "Industrial Machinery Manufacturing"),
        companies=("Vantage Supply Group", "Clearpath Software", "Summit & Reed Distribution", "Orbitel"),
        mission=(
            "help mid-sized manufacturers buy, track and maintain the equipment that keeps their lines running",
            "sell a workflow platform that saves finance teams days of manual work every month",
        ),
        duties=(
            "Prospect new accounts through calls, email sequences, LinkedIn and referrals",
            "Run discovery meetings to understand customer pain points and buying processes",
            "Deliver tailored product demonstrations and build business cases with ROI estimates",
            "Manage a pipeline in Salesforce and forecast accurately every week",
            "Negotiate pricing and contract terms and close new business against a quarterly quota",
            "Partner with customer success to expand and renew existing accounts",
            "Attend trade shows and regional events to build relationships with buyers",
            "Share market feedback with product and marketing teams",
        ),
        requirements=(
            "2+ years of quota-carrying B2B sales experience with a record of exceeding targets",
            "Experience running a full sales cycle from prospecting to signed contract",
            "Comfort with Salesforce or HubSpot and disciplined pipeline hygiene",
            "Excellent listening, presentation and negotiation skills",
            "Willingness to travel up to 30% within the territory",
            "Bachelor's degree in business or equivalent practical experience",
        ),
        skills=(
            "B2B sales",
            "prospecting",
            "Salesforce",
            "HubSpot",
            "negotiation",
            "pipeline management",
            "solution selling",
            "cold calling",
            "account management",
            "MEDDIC",
        ),
        extras=(
            "Experience selling SaaS to finance or operations buyers",
            "An existing network in the region",
            "Familiarity with Challenger or SPIN selling",
        ),
    ),
    Occupation(
        key="accounting",
        titles=(
            "Staff Accountant",
            "Senior Accountant",
            "Accounts Payable Specialist",
            "Financial Analyst",
            "Controller",
            "Tax Associate",
        ),
        job_function="Accounting/Auditing and Finance",
        industries=("Accounting", "Financial Services", "Real Estate"),
        companies=("Ledgerwise Partners", "Hollis & Grant CPAs", "Tristate Property Group", "Beacon Financial"),
        mission=(
            "provide audit, tax and advisory services to privately held companies and nonprofits",
            "manage a portfolio of commercial properties with a lean, detail-oriented finance team",
        ),
        duties=(
            "Prepare journal entries, account reconciliations and the monthly close checklist",
            "Maintain the general ledger and ensure compliance with GAAP",
            "Prepare financial statements, variance analyses and management reports",
            "Support the annual external audit and quarterly reviews with schedules and documentation",
            "Process accounts payable and receivable, and manage vendor relationships",
            "Assist with federal and state tax filings, sales tax and 1099 reporting",
            "Improve month-end close processes and internal controls",
            "Build budgets and forecasts in Excel with department leaders",
        ),
        requirements=(
            "Bachelor's degree in accounting or finance",
            "2+ years of accounting experience in public accounting or industry",
            "Working knowledge of GAAP and month-end close procedures",
            "Advanced Excel skills, including pivot tables and VLOOKUP or XLOOKUP",
            "Experience with NetSuite, QuickBooks or SAP",
            "Exceptional attention to detail and the ability to meet deadlines",
        ),
        skills=(
            "GAAP",
            "general ledger",
            "account reconciliation",
            "Excel",
            "NetSuite",
            "QuickBooks",
            "financial reporting",
            "month-end close",
            "accounts payable",
            "auditing",
            "tax preparation",
        ),
        extras=(
            "CPA license or progress toward the CPA exam",
            "Experience in real estate or nonprofit accounting",
            "Exposure to SOX controls",
        ),
    ),
    Occupation(
        key="hr",
        titles=(
            "Human Resources Generalist",
            "HR Business Partner",
            "Talent Acquisition Specialist",
            "People Operations Manager",
            "Recruiter",
            "Benefits Administrator",
        ),
        job_function="Human Resources",
        industries=("Human Resources Services", "Staffing and Recruiting", "Hospitals and Health Care"),
        companies=("Keystone People Partners", "Willow & Finch", "Greenhill Logistics", "Unity Staffing"),
        mission=(
            "build workplaces where people are hired fairly, paid well and supported to grow",
            "support 2,000 employees across warehouses and offices in six states",
        ),
        duties=(
            "Partner with managers on employee relations, performance management and coaching",
            "Manage full-cycle recruiting: job descriptions, sourcing, screening, interviews and offers",
            "Run onboarding and offboarding, and keep personnel records accurate in Workday",
            "Administer benefits enrollment, leaves of absence and FMLA compliance",
            "Investigate workplace concerns with discretion and document outcomes",
            "Advise on compensation, job levels and pay equity reviews",
            "Design training on policies, harassment prevention and inclusive hiring",
            "Report on turnover, time-to-hire and engagement survey results",
        ),
        requirements=(
            "3+ years of human resources experience in a generalist or recruiting role",
            "Working knowledge of federal and state employment law, including FLSA and FMLA",
            "Experience with an HRIS such as Workday, BambooHR or ADP",
            "Sound judgment and the ability to handle confidential information",
            "Strong interpersonal skills and comfort with difficult conversations",
            "Bachelor's degree in human resources, business or psychology",
        ),
        skills=(
            "employee relations",
            "recruiting",
            "onboarding",
            "Workday",
            "ADP",
            "benefits administration",
            "FMLA",
            "performance management",
            "compensation",
            "HR compliance",
        ),
        extras=(
            "SHRM-CP or PHR certification",
            "Experience supporting hourly or unionized workforces",
            "Bilingual in English and Spanish",
        ),
    ),
    Occupation(
        key="marketing",
        titles=(
            "Marketing Manager",
            "Content Marketing Specialist",
            "Digital Marketing Coordinator",
            "Growth Marketing Lead",
            "SEO Specialist",
            "Product Marketing Manager",
        ),
        job_function="Marketing",
        industries=("Marketing Services", "Consumer Services", "Software Development"),
        companies=("Lumen & Co.", "Fieldnote Media", "Bright Harbor Brands", "Clearpath Software"),
        mission=(
            "grow a family of consumer brands through honest, data-informed storytelling",
            "help B2B software companies reach the buyers who need them",
        ),
        duties=(
            "Plan and run campaigns across email, paid social, search and events",
            "Write and edit blog posts, case studies, landing pages and newsletters",
            "Own the content calendar and coordinate with design and product teams",
            "Manage SEO: keyword research, on-page optimization and technical audits",
            "Track campaign performance in Google Analytics and HubSpot and report on pipeline impact",
            "Run experiments on messaging, audiences and landing pages to lower acquisition cost",
            "Develop positioning, messaging and launch plans for new products",
            "Manage agency partners and a quarterly marketing budget",
        ),
        requirements=(
            "3+ years of experience in digital, content or product marketing",
            "A portfolio of writing or campaigns you are proud of",
            "Hands-on experience with HubSpot, Marketo or a similar marketing automation tool",
            "Comfort with Google Analytics, spreadsheets and basic attribution models",
            "Strong project management and organizational skills",
            "Bachelor's degree in marketing, communications or a related field",
        ),
        skills=(
            "content marketing",
            "SEO",
            "Google Analytics",
            "HubSpot",
            "paid social",
            "email marketing",
            "copywriting",
            "campaign management",
            "A/B testing",
            "brand strategy",
        ),
        extras=(
            "Experience with video production or podcasts",
            "Familiarity with SQL or Looker",
            "Experience in a high-growth startup",
        ),
    ),
    Occupation(
        key="teaching",
        titles=(
            "High School Mathematics Teacher",
            "Elementary School Teacher",
            "Special Education Teacher",
            "Instructional Coach",
            "Science Teacher, Middle School",
            "ESL Instructor",
        ),
        job_function="Education",
        industries=("Primary and Secondary Education", "Education Administration Programs"),
        companies=(
            "Riverside Unified School District",
            "Oakmont Charter Academy",
            "Eastgate Learning Center",
            "Hawthorne & Vale Preparatory",
        ),
        mission=(
            "give every student a rigorous, joyful education and a path to college or career",
            "serve 6,000 students across twelve schools with small classes and strong family partnerships",
        ),
        duties=(
            "Plan and deliver standards-aligned lessons that engage students of all abilities",
            "Differentiate instruction and support students with IEPs and 504 plans",
            "Assess student progress with formative and summative assessments and adjust teaching",
            "Maintain a safe, respectful and well-managed classroom",
            "Communicate regularly with families about progress and goals",
            "Collaborate with grade-level teams in professional learning communities",
            "Use Google Classroom and other tools to extend learning beyond the classroom",
            "Supervise extracurricular activities or clubs as needed",
        ),
        requirements=(
            "Valid state teaching certification in the subject or grade level",
            "Bachelor's degree in education or the subject area; master's degree preferred",
            "Student teaching or classroom experience with diverse learners",
            "Knowledge of Common Core or state standards and curriculum design",
            "Strong classroom management and communication skills",
            "Clearance of a background check and fingerprinting",
        ),
        skills=(
            "lesson planning",
            "classroom management",
            "differentiated instruction",
            "curriculum design",
            "IEP",
            "Google Classroom",
            "student assessment",
            "parent communication",
        ),
        extras=(
            "Bilingual certification or ESL endorsement",
            "Experience coaching a sports team",
            "Training in restorative practices",
        ),
    ),
    Occupation(
        key="mechanical",
        titles=(
            "Mechanical Engineer",
            "Manufacturing Engineer",
            "Senior Mechanical Design Engineer",
            "Quality Engineer",
            "Process Engineer",
            "HVAC Design Engineer",
        ),
        job_function="Engineering",
        industries=("Industrial Machinery Manufacturing", "Automotive", "Construction"),
        companies=("Ironbridge Manufacturing", "Tessaract Automotive", "Kessler & Moore Engineering", "Northstar HVAC"),
        mission=(
            "design and build precision equipment used in food processing and packaging plants",
            "engineer heating and cooling systems for hospitals, schools and offices",
        ),
        duties=(
            "Design mechanical components and assemblies in SolidWorks with full drawings and GD&T",
            "Run tolerance stack-ups, FEA and hand calculations to validate designs",
            "Support production with root cause analysis, corrective actions and process improvements",
            "Create and maintain bills of materials and engineering change orders",
            "Work with suppliers on prototypes, quotes and first article inspections",
            "Lead design reviews and DFMEA sessions with cross-functional teams",
            "Improve cycle time, scrap and safety on the shop floor using lean methods",
            "Visit job sites and customer plants to commission and troubleshoot equipment",
        ),
        requirements=(
            "Bachelor's degree in mechanical engineering",
            "3+ years of design or manufacturing engineering experience",
            "Proficiency in SolidWorks, Creo or Inventor",
            "Working knowledge of GD&T, materials and manufacturing processes such as machining and welding",
            "Experience with root cause tools such as 8D, fishbone or 5 Whys",
            "Ability to lift 25 pounds and work on a manufacturing floor",
        ),
        skills=(
            "SolidWorks",
            "GD&T",
            "FEA",
            "AutoCAD",
            "lean manufacturing",
            "Six Sigma",
            "DFMEA",
            "root cause analysis",
            "machining",
            "prototyping",
        ),
        extras=(
            "Professional Engineer (PE) license",
            "Six Sigma Green Belt",
            "Experience with ISO 9001 quality systems",
        ),
    ),
    Occupation(
        key="support",
        titles=(
            "Customer Support Specialist",
            "Technical Support Engineer",
            "Customer Success Manager",
            "Support Team Lead",
            "Customer Service Representative",
            "Implementation Specialist",
        ),
        job_function="Customer Service",
        industries=("Software Development", "Telecommunications", "Retail"),
        companies=("Helpwise", "Orbitel", "Parcel & Post", "Stackwise"),
        mission=(
            "make every customer conversation fast, friendly and genuinely helpful",
            "keep millions of homes and businesses connected with reliable internet service",
        ),
        duties=(
            "Answer customer questions by phone, chat and email with empathy and accuracy",
            "Troubleshoot account, billing and technical issues and escalate bugs with clear reproductions",
            "Document solutions in the knowledge base so customers can help themselves",
            "Meet service level targets for response time, resolution time and satisfaction",
            "Onboard new customers and train them on product features",
            "Identify trends in tickets and share feedback with product and engineering",
            "Handle escalated or sensitive cases calmly and professionally",
            "Work in Zendesk or Salesforce Service Cloud to manage the ticket queue",
        ),
        requirements=(
            "1+ years of customer service or technical support experience",
            "Excellent written and verbal communication in English",
            "Comfort learning software quickly and explaining it simply",
            "Experience with Zendesk, Intercom or a similar help desk tool",
            "Patience, empathy and a calm approach under pressure",
            "Availability for rotating shifts, including some weekends",
        ),
        skills=(
            "customer service",
            "Zendesk",
            "troubleshooting",
            "ticketing",
            "CRM",
            "de-escalation",
            "knowledge base writing",
            "onboarding",
            "SaaS support",
            "Intercom",
        ),
        extras=(
            "Basic SQL or API troubleshooting skills",
            "Experience in telecommunications or SaaS",
            "Fluency in a second language",
        ),
    ),
)

# Office roles: company boards list them beside the specialist ones (the LinkedIn board's searches do not).
OFFICE = Occupation(
    key="office",
    titles=("Office Manager", "Executive Assistant", "Receptionist", "Facilities Coordinator", "Workplace Manager"),
    job_function="Administrative",
    industries=("Software Development",),
    companies=(),
    mission=("keep a growing company's offices, travel and calendars running smoothly",),
    duties=(
        "Run the front desk and greet visitors, candidates and delivery drivers",
        "Manage calendars, travel and expense reports for the executive team",
        "Order supplies, snacks and equipment and keep vendor contracts up to date",
        "Plan team offsites, all-hands meetings and office events",
        "Coordinate facilities requests, repairs and office moves with the landlord",
        "Onboard new hires with desks, badges and equipment on their first day",
        "Keep the office safe, tidy and stocked, and own the emergency and visitor procedures",
        "Answer phones and route calls, mail and packages to the right people",
    ),
    requirements=(
        "2+ years of experience as an office manager, receptionist or administrative assistant",
        "Excellent organisation and written communication",
        "Proficiency with Google Workspace or Microsoft Office",
        "A friendly, calm presence under a busy schedule",
        "Discretion with confidential information",
        "Comfort lifting boxes of up to 25 pounds",
    ),
    skills=("scheduling", "vendor management", "event planning", "Google Workspace", "expense reporting"),
    extras=("Experience in a fast-growing startup", "Basic bookkeeping"),
)

LOCATIONS: tuple[str, ...] = (
    "New York, NY",
    "Austin, TX",
    "Chicago, IL",
    "Seattle, WA",
    "Denver, CO",
    "Boston, MA",
    "Atlanta, GA",
    "San Francisco, CA",
    "Minneapolis, MN",
    "Raleigh, NC",
    "Phoenix, AZ",
    "Columbus, OH",
    "Remote",
    "United States",
    "Portland, OR",
    "Nashville, TN",
)

EMPLOYMENT_TYPES: tuple[str, ...] = ("Full-time",) * 7 + ("Part-time", "Contract", "Temporary")

_COMPANY_BLURBS: tuple[str, ...] = (
    "{company} is a {size}-person company with one purpose: to {mission}. We are profitable, growing, and "
    "proud of a culture where people do the best work of their careers and still go home on time.",
    "Founded in {year}, {company} exists to {mission}. Our teams are small, trusted and accountable, and we "
    "measure ourselves by the outcomes we create for the people we serve.",
    "At {company}, we {mission}. With {size} colleagues across the country, we combine the stability of an "
    "established organization with the energy of a team that is still building.",
)

_ROLE_INTROS: tuple[str, ...] = (
    "We are looking for a {title} to join our {team} team. In this role you will work closely with "
    "colleagues across the organization, take ownership of meaningful work from the first week, and help "
    "shape how we operate as we grow.",
    "As a {title} at {company}, you will be part of a {team} team that values curiosity, clear communication "
    "and steady improvement. You will have the support to learn and the autonomy to make decisions.",
    "This {title} position is a chance to make a visible impact. You will report to the head of {team}, "
    "contribute to our most important goals this year, and grow with a team that invests in its people.",
)

_BENEFITS: tuple[str, ...] = (
    "We offer a competitive salary of {pay}, medical, dental and vision insurance starting on day one, a 401(k) "
    "with a 4% company match, 20 days of paid time off plus holidays, paid parental leave, and an annual "
    "learning budget for courses, books and conferences.",
    "Compensation for this role is {pay}, depending on experience and location. Benefits include comprehensive "
    "health coverage, a retirement plan with matching contributions, generous paid leave, tuition "
    "reimbursement, wellness programs and a flexible hybrid schedule.",
    "The pay range for this position is {pay}. You will also receive health, dental and vision plans, life and "
    "disability insurance, an employee assistance program, commuter benefits and paid volunteer days.",
)

_EEO: tuple[str, ...] = (
    "{company} is an equal opportunity employer. We celebrate diversity and are committed to creating an "
    "inclusive environment for all employees. All qualified applicants will receive consideration for "
    "employment without regard to race, color, religion, sex, sexual orientation, gender identity, national "
    "origin, disability, or veteran status. If you need an accommodation during the application process, "
    "please let us know.",
    "{company} provides equal employment opportunities to all employees and applicants and prohibits "
    "discrimination and harassment of any type without regard to race, color, religion, age, sex, national "
    "origin, disability status, genetics, protected veteran status, sexual orientation, gender identity or "
    "expression, or any other characteristic protected by federal, state or local laws.",
)

_EXTRA_PARAGRAPHS: tuple[str, ...] = (
    "How we work: you will join a team of {team_size} people who plan together every two weeks, write things "
    "down, and review results openly. New colleagues get a structured onboarding plan, a buddy for the first "
    "ninety days, and regular one-to-one meetings with their manager focused on growth as much as on delivery.",
    "Why this role matters: over the next year, {company} plans to expand into new markets and serve many more "
    "customers. The person in this role will shape the processes, tools and habits that make that growth "
    "sustainable, and will have a direct line to leadership to raise ideas and concerns.",
    "Schedule and location: this position is based in {location}, with a {schedule} schedule. Occasional travel "
    "to our other sites may be required for training, planning sessions and team events, and reasonable "
    "notice is always given.",
)

_PAY: dict[str, tuple[int, int]] = {
    "data_science": (115, 185),
    "software": (120, 200),
    "nursing": (78, 120),
    "sales": (65, 140),
    "accounting": (60, 110),
    "hr": (60, 105),
    "marketing": (65, 125),
    "teaching": (48, 82),
    "mechanical": (80, 130),
    "support": (42, 70),
    "office": (48, 75),
}

_TEAMS: dict[str, str] = {
    "data_science": "data science",
    "software": "engineering",
    "nursing": "nursing",
    "sales": "sales",
    "accounting": "finance",
    "hr": "people",
    "marketing": "marketing",
    "teaching": "teaching",
    "mechanical": "engineering",
    "support": "customer experience",
    "office": "workplace",
}

_HEADINGS = (
    ("What you'll do:", "What you'll bring:", "Nice to have:", "Benefits"),
    ("Responsibilities", "Qualifications", "Preferred qualifications", "What we offer"),
    ("Key responsibilities:", "Requirements:", "Bonus points:", "Compensation and benefits"),
)


def seniority_for(title: str) -> str:
    """LinkedIn's seniority level a title suggests."""
    lowered = title.lower()
    if any(word in lowered for word in ("director", "controller", "head of")):
        return "Director"
    if any(word in lowered for word in ("senior", "staff", "lead", "manager", "charge", "practitioner")):
        return "Mid-Senior level"
    if any(word in lowered for word in ("junior", "coordinator", "representative", "development rep")):
        return "Entry level"
    if any(word in lowered for word in ("associate", "specialist", "licensed practical")):
        return "Associate"
    return "Mid-Senior level" if len(lowered) % 3 else "Not Applicable"


def describe(occupation: Occupation, title: str, company: str, location: str, rng: random.Random) -> str:
    """A multi-paragraph plain-text description: headings, paragraphs and "- " bullets on lines of their own."""
    do_heading, need_heading, nice_heading, benefits_heading = rng.choice(_HEADINGS)
    pay_low, pay_high = _PAY[occupation.key]
    scale = rng.uniform(0.9, 1.15)
    pay = f"${round(pay_low * scale) * 1000:,} - ${round(pay_high * scale) * 1000:,} per year"
    fill = {
        "company": company,
        "title": title,
        "mission": rng.choice(occupation.mission),
        "size": rng.choice(("120", "350", "800", "2,500", "12,000")),
        "year": rng.randrange(1952, 2021),
        "team": _TEAMS[occupation.key],
        "pay": pay,
        "team_size": rng.choice(("five", "eight", "twelve", "twenty")),
        "location": location,
        "schedule": rng.choice(("hybrid", "fully on-site", "flexible", "remote-first")),
    }
    skills = rng.sample(occupation.skills, k=min(len(occupation.skills), rng.randrange(5, 8)))
    lines = [
        f"About {company}",
        rng.choice(_COMPANY_BLURBS).format(**fill),
        "",
        "About the role",
        rng.choice(_ROLE_INTROS).format(**fill),
        "",
        *(f"{paragraph.format(**fill)}\n" for paragraph in rng.sample(_EXTRA_PARAGRAPHS, k=rng.randrange(0, 3))),
        do_heading,
        *(f"- {duty}." for duty in rng.sample(occupation.duties, k=rng.randrange(5, 8))),
        "",
        need_heading,
        *(f"- {item}." for item in rng.sample(occupation.requirements, k=rng.randrange(4, 7))),
        "",
        f"Core skills: {', '.join(skills[:-1])} and {skills[-1]}.",
        "",
        nice_heading,
        *(f"- {item}." for item in rng.sample(occupation.extras, k=2)),
        "",
        benefits_heading,
        rng.choice(_BENEFITS).format(**fill),
        "",
        rng.choice(_EEO).format(**fill),
    ]
    return "\n".join(lines)
