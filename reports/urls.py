from django.urls import path

from reports import api

urlpatterns = [
    path("courses/", api.CourseListApi.as_view(), name="course-list"),
    path("courses/<int:course_id>/", api.CourseDetailApi.as_view(), name="course-detail"),
    path("hr/certificates/", api.HrCertificatesApi.as_view(), name="hr-certificates"),
    path("hr/personnel/<str:nrp>/transcript/", api.HrTranscriptApi.as_view(), name="hr-transcript"),
    path("hr/compliance/", api.HrComplianceApi.as_view(), name="hr-compliance"),
    path("hr/compliance/people/", api.HrCompliancePeopleApi.as_view(), name="hr-compliance-people"),
    path("hr/assignments/", api.HrAssignmentsApi.as_view(), name="hr-assignments"),
    path("hr/assignments/<int:assignment_id>/", api.HrAssignmentDetailApi.as_view(), name="hr-assignment"),
]
