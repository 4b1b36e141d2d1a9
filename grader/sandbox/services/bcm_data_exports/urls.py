from grader.sandbox.services.bcm_data_exports.responses import DataExportsResponse

url_bases = [r"https?://bcm-data-exports\.(.+)\.api\.aws"]

url_paths = {"{0}/$": DataExportsResponse.dispatch}
