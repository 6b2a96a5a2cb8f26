"""The province's calendar: validity is judged on the date in Asia/Ho_Chi_Minh, not in UTC."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def today() -> date:
    return datetime.now(LOCAL_TZ).date()
