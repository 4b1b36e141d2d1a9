from grader.sandbox.services.cur.responses import CostAndUsageReportResponse

url_bases = [r"https?://cur\.(.+)\.amazonaws\.com"]

url_paths = {"{0}/$": CostAndUsageReportResponse.dispatch}
